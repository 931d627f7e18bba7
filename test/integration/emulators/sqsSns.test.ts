import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import { LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';

// The project's testTimeout (60 s) is not applied to this project by jest; set it here.
jest.setTimeout(30000);

/** Receives until `count` messages arrived or `attempts` long polls of 1 s are used up. */
async function receiveAll(sqs: SQSClient, queueUrl: string, count: number, attempts = 5): Promise<Message[]> {
  const messages: Message[] = [];
  for (let attempt = 0; attempt < attempts && messages.length < count; attempt += 1) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    messages.push(...Messages);
  }
  return messages;
}

describe('fauxqs SQS and SNS', () => {
  const endpoint = requireEnv('SQS_ENDPOINT');
  const sqs = new SQSClient({ ...LOCAL_AWS, endpoint });
  const sns = new SNSClient({ ...LOCAL_AWS, endpoint });
  afterAll(() => {
    sqs.destroy();
    sns.destroy();
  });

  it('sends, receives and deletes a message', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('harness-q') }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"hello":"world"}', MessageAttributes: { type: { DataType: 'String', StringValue: 'greeting' } } }));
    const [message] = await receiveAll(sqs, QueueUrl!, 1);
    expect(message.Body).toBe('{"hello":"world"}');
    expect(message.MessageAttributes?.type?.StringValue).toBe('greeting');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('works with clients configured only by AWS_ENDPOINT_URL_SQS/SNS (queue URLs on the endpoint host)', async () => {
    const fromEnv = new SQSClient({});
    const queueName = uniqueName('harness-env');
    await fromEnv.send(new CreateQueueCommand({ QueueName: queueName }));
    const queueUrl = localQueueUrl(endpoint, queueName);
    await fromEnv.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'via env' }));
    const [message] = await receiveAll(fromEnv, queueUrl, 1);
    expect(message.Body).toBe('via env');
    fromEnv.destroy();
    const snsFromEnv = new SNSClient({});
    await expect(snsFromEnv.send(new CreateTopicCommand({ Name: uniqueName('harness-env-topic') }))).resolves.toMatchObject({
      TopicArn: expect.stringMatching(/^arn:aws:sns:us-east-1:000000000000:/),
    });
    snsFromEnv.destroy();
  });

  it('delivers from an SNS topic only the messages a subscription filter policy accepts, raw', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('harness-topic') }));
    const queueArn = async (queueUrl: string): Promise<string> => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
      return Attributes!.QueueArn!;
    };
    const filtered = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('harness-raw') }))).QueueUrl!;
    const everything = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('harness-all') }))).QueueUrl!;
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: await queueArn(filtered),
        Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: ['registration'] }) },
      }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn(everything) }));

    const publish = (type: string, body: object) =>
      sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify(body), MessageAttributes: { type: { DataType: 'String', StringValue: type } } }));
    await publish('campaign', { campaignId: 'c1' });
    await publish('registration', { campaignId: 'c1', globalUserId: 'g1' });

    // Both messages were published and delivered (the unfiltered subscription gets them, wrapped)…
    const wrapped = await receiveAll(sqs, everything, 2);
    expect(wrapped).toHaveLength(2);
    const envelopes = wrapped.map((message) => JSON.parse(message.Body!));
    expect(envelopes.map((envelope) => envelope.Type)).toEqual(['Notification', 'Notification']);
    expect(envelopes.map((envelope) => envelope.MessageAttributes.type.Value).sort()).toEqual(['campaign', 'registration']);

    // …but the filtered, raw subscription gets only the registration, unwrapped.
    const raw = await receiveAll(sqs, filtered, 2, 2);
    expect(raw).toHaveLength(1);
    expect(JSON.parse(raw[0].Body!)).toEqual({ campaignId: 'c1', globalUserId: 'g1' });
    expect(raw[0].MessageAttributes?.type?.StringValue).toBe('registration');
  });
});
