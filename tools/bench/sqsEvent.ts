import type { SQSEvent } from 'aws-lambda';

/** One message as a bench hands it to an SQS handler. */
export interface BenchSqsMessage {
  messageId: string;
  body: string;
  receiptHandle?: string;
  /** String message attributes (name → value). */
  attributes?: Record<string, string>;
}

/** The SQSEvent Lambda's event source mapping delivers for `messages` (first delivery). */
export function sqsEvent(messages: readonly BenchSqsMessage[], queue = 'bench'): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.messageId,
      receiptHandle: m.receiptHandle ?? m.messageId,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.attributes ?? {}).map(([name, value]) => [name, { dataType: 'String', stringValue: value }]),
      ),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
      awsRegion: 'us-east-1',
    })),
  };
}
