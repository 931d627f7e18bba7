/**
 * Test doubles for the trigger adapters and logging: a logger that keeps its lines, and SQS and
 * Kinesis events built from bodies or change records. Used by the unit tests beside the code and
 * by the suites under test/.
 */
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import type { Logger } from '../../src/shared/runtime/logger';
import { createLogger } from '../../src/shared/runtime/logger';

/** A logger that keeps its JSON lines in memory, for tests that assert on logs. */
export function memoryLogger(tag = 'test'): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ tag, level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(log, { lines });
}

/** An SQS event with the given raw bodies (strings are sent as is, anything else as JSON). */
export function sqsEvent(
  bodies: unknown[],
  options: { attributes?: Record<string, string>; ids?: string[]; queueArn?: string } = {},
): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: options.ids?.[i] ?? `msg-${i}`,
      receiptHandle: `rh-${i}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: Object.fromEntries(
        Object.entries(options.attributes ?? {}).map(([k, v]) => [
          k,
          { stringValue: v, dataType: 'String', stringListValues: [], binaryListValues: [] },
        ]),
      ),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: options.queueArn ?? 'arn:aws:sqs:us-east-1:000000000000:test-queue',
      awsRegion: 'us-east-1',
    })),
  };
}

/** A Kinesis event whose records carry the given DynamoDB change records (or raw strings) as data. */
export function kinesisEvent(changes: unknown[], firstSequence = 1000): KinesisStreamEvent {
  return {
    Records: changes.map((change, i) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `pk-${i}`,
        sequenceNumber: String(firstSequence + i),
        data: Buffer.from(typeof change === 'string' ? change : JSON.stringify(change)).toString('base64'),
        approximateArrivalTimestamp: 0,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${firstSequence + i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
    })),
  };
}
