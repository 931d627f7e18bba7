/** processData: data-queue → format to the Kafka schemas → data-sns (PublishBatch). */
import { snsClient } from '../../../shared/aws/clients';
import { getConfig } from '../../../shared/config';
import { createProcessDataHandler } from './processData';

export const handler = createProcessDataHandler((ctx) => {
  const { aws } = getConfig();
  return { sns: snsClient(), topicArn: aws.topics.data, batchSize: aws.snsPublishBatchSize, log: ctx.log };
});
