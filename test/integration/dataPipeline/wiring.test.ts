/**
 * The deployed handlers (`index.ts`): configuration from `configs/local.config.yml`, the shared
 * SNS client and the wiring's Kafka publisher (reused across invocations), against the local
 * components. Kafka topics here are the configured ones, shared with other suites, so the test
 * looks for its own unique campaign id.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { resetAwsClients } from '../../../src/shared/aws/clients';
import { getConfig, resetConfigCache } from '../../../src/shared/config';
import { silentLogger } from '../../../src/shared/runtime/logger';
import { kafkaPublisher } from '../../../src/shared/wiring/kafka';
import { resetWiring } from '../../../src/shared/wiring/memo';
import { handler as processData } from '../../../src/workers/dataPipeline/processData';
import { handler as sendData } from '../../../src/workers/dataPipeline/sendData';
import { campaignData } from '../../../tools/local/emulators/producers';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv, setEnv } from '../../harness/env';
import type { DataPipelineInfra } from './helpers';
import { awsClients, consumeUntil, createDataPipelineInfra, deliver, sendToQueue } from './helpers';

jest.setTimeout(60_000);

describe('processData and sendData index handlers with the local configuration', () => {
  const endpoint = requireEnv('SQS_ENDPOINT');
  const brokers = requireEnv('KAFKA_BROKERS').split(',');
  let restoreEnv: () => void = () => undefined;
  let sqs: SQSClient;
  let infra: DataPipelineInfra;

  beforeAll(async () => {
    ({ sqs } = awsClients(endpoint));
    infra = await createDataPipelineInfra(endpoint, 'dp-wiring');
    restoreEnv = setEnv({ DATA_TOPIC_ARN: infra.topicArn, LOG_LEVEL: 'error', CONFIG_ENV: 'local' });
    resetConfigCache();
    resetAwsClients();
    resetWiring();
  });

  afterAll(async () => {
    await kafkaPublisher(silentLogger).disconnect();
    resetWiring();
    resetAwsClients();
    restoreEnv();
    resetConfigCache();
    sqs.destroy();
  });

  it('formats to the configured data topic and publishes to the configured Kafka topic, reusing one publisher', async () => {
    const ids = [uniqueName('c-wired-a'), uniqueName('c-wired-b')];
    for (const id of ids) {
      // Two invocations of each handler: the second reuses the wiring's publisher.
      await sendToQueue(sqs, infra.dataQueue, [{ type: 'CAMPAIGN', data: campaignData(id) }]);
      expect((await deliver(sqs, infra.dataQueue, 1, processData)).response.batchItemFailures).toEqual([]);
      expect((await deliver(sqs, infra.typedQueues.campaign, 1, sendData)).response.batchItemFailures).toEqual([]);
    }
    expect(kafkaPublisher(silentLogger)).toBe(kafkaPublisher(silentLogger));

    const topic = getConfig().kafka.topics.campaign;
    const seen = await consumeUntil(brokers, topic, (messages) =>
      ids.every((id) => messages.some((m) => m.key === id)),
    );
    const mine = seen.filter((m) => ids.includes(m.key ?? ''));
    expect(mine.map((m) => m.key).sort()).toEqual([...ids].sort());
    expect(JSON.parse(mine[0].value!)).toMatchObject({
      name: 'Zoë World Tour 2026',
      dedupe: { timestamp: '2026-02-03T04:05:06.000Z' },
    });
  });
});
