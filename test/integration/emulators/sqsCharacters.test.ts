/**
 * The harness's fauxqs accepts in message bodies exactly the characters real SQS accepts:
 * #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF; anything else (U+0000,
 * U+FFFE, U+FFFF, a lone surrogate) is refused with InvalidMessageContents. fauxqs itself
 * refuses everything above U+FFFF (an emoji in a fan's form field); tools/local/emulators/sqs.ts
 * corrects that, so this starts a private instance through the harness starter.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, SendMessageBatchCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { startSqsSns, type SqsSnsEmulator } from '../../../tools/local/emulators/sqs';

let emulator: SqsSnsEmulator;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  emulator = await startSqsSns({ useExisting: false });
  sqs = new SQSClient({ ...LOCAL_AWS, endpoint: emulator.endpoint });
  sns = new SNSClient({ ...LOCAL_AWS, endpoint: emulator.endpoint });
});

afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await emulator?.stop();
});

const newQueue = async (): Promise<string> => (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('chars') }))).QueueUrl!;

/** Receives until `count` messages arrived (long polls of 1 s, at most `attempts`). */
async function receive(queueUrl: string, count: number, attempts = 5): Promise<Message[]> {
  const messages: Message[] = [];
  for (let attempt = 0; attempt < attempts && messages.length < count; attempt += 1) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    messages.push(...Messages);
  }
  return messages;
}

const ACCEPTED = {
  'an emoji in a form field': JSON.stringify({ fields: { message: 'see you there 🎸🤘' } }),
  'the last code point, U+10FFFF': 'edge \u{10FFFF}',
  'the first supplementary code point, U+10000': '\u{10000}',
  'tab, newline, carriage return and U+E000': '\t\n\r\uE000',
  'the last BMP character allowed, U+FFFD': '\uFFFD',
};

const REFUSED = {
  'U+0000': 'nul \u0000 inside',
  'U+0008 (a control character)': 'bell \u0008',
  'U+FFFE': '\uFFFE',
  'U+FFFF': '\uFFFF',
  'a lone high surrogate': 'half \uD83C of an emoji',
  'a lone low surrogate': 'other half \uDFB8',
  'an emoji whose halves are swapped': '\uDFB8\uD83C',
};

describe('fauxqs started by the harness: the characters SQS accepts in a message body', () => {
  it.each(Object.entries(ACCEPTED))('accepts %s and delivers it unchanged (SendMessage)', async (_, body) => {
    const queueUrl = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const [message] = await receive(queueUrl, 1);
    expect(message?.Body).toBe(body);
  });

  it.each(Object.entries(REFUSED))('refuses %s with InvalidMessageContents, as SQS does', async (_, body) => {
    const queueUrl = await newQueue();
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))).rejects.toMatchObject({ name: expect.stringMatching(/InvalidMessageContents$/) });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('SendMessageBatch: the entry with an emoji goes through, only the entry with U+0000 fails', async () => {
    const queueUrl = await newQueue();
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'emoji', MessageBody: ACCEPTED['an emoji in a form field'] },
          { Id: 'nul', MessageBody: REFUSED['U+0000'] },
          { Id: 'plain', MessageBody: 'plain' },
        ],
      }),
    );
    expect((out.Successful ?? []).map((s) => s.Id).sort()).toEqual(['emoji', 'plain']);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: 'nul', Code: 'InvalidMessageContents', SenderFault: true })]);
    expect((await receive(queueUrl, 2)).map((m) => m.Body).sort()).toEqual([ACCEPTED['an emoji in a form field'], 'plain'].sort());
  });

  it('SNS: a message with an emoji reaches a raw SQS subscription unchanged', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('chars-topic') }));
    const queueUrl = await newQueue();
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));
    await sns.send(new PublishCommand({ TopicArn, Message: ACCEPTED['an emoji in a form field'] }));
    const [message] = await receive(queueUrl, 1);
    expect(message?.Body).toBe(ACCEPTED['an emoji in a form field']);
  });
});
