import { randomBytes } from 'node:crypto';

/**
 * A name unique to this call, safe for DynamoDB tables, SQS queues, SNS topics and Kafka
 * topics (letters, digits, '-'; at most 68 characters, room for a .fifo suffix), so test files never collide.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 50);
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
