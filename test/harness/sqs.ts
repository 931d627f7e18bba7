/** SQS helpers for integration tests that drive a handler with messages received from the emulator. */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../../tools/local/emulators/sqs';
import { toSqsRecord } from '../../tools/local/pollers/sqs';

/**
 * The SQS event Lambda's event source mapping builds from messages received from the queue at
 * `queueUrl` (the local runtime's own record builder, so tests and `npm start` agree).
 */
export function sqsEventOf(messages: Message[], queueUrl: string): SQSEvent {
  const arn = `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:${queueUrl.split('/').pop()}`;
  return { Records: messages.map((m) => toSqsRecord(m, { arn }, 'us-east-1')) };
}
