/** The SNS topics and their subscriptions (filter policies, raw delivery), as the stacks declare them. */
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { WiringModel } from '../wiring/model';

export async function createTopics(sns: SNSClient, model: WiringModel): Promise<void> {
  for (const topic of model.topics) {
    await sns.send(new CreateTopicCommand({ Name: topic.name }));
  }
  for (const s of model.subscriptions) {
    await sns.send(
      new SubscribeCommand({
        TopicArn: s.topicArn,
        Protocol: s.protocol,
        Endpoint: s.endpoint,
        ReturnSubscriptionArn: true,
        Attributes: {
          RawMessageDelivery: String(s.rawMessageDelivery),
          ...(s.filterPolicy
            ? { FilterPolicy: JSON.stringify(s.filterPolicy), FilterPolicyScope: s.filterPolicyScope }
            : {}),
        },
      }),
    );
  }
}
