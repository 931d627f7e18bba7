import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { InviteType, TableKey } from './keys';
import { entryKey, inviteKey, keyOf } from './keys';
import { backoffDelay } from '../util/backoff';
import { chunk } from './batches';

export type Item = TableKey & Record<string, unknown>;

export interface RetryOptions {
  /** Attempts for unprocessed items (DynamoDB returns them under throttling). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface BatchWriteResult {
  written: number;
  /** Items still unprocessed after every attempt. */
  unprocessed: Item[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number, { baseDelayMs = 50, maxDelayMs = 2000 }: RetryOptions) =>
  backoffDelay(attempt + 1, baseDelayMs, maxDelayMs);

/** True when `error` is DynamoDB's failed-condition error (a normal outcome of a conditional write). */
export const isConditionFailed = (error: unknown): boolean =>
  (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** True when a transaction was cancelled because one of its conditions failed. */
export const isTransactionConditionFailed = (error: unknown): boolean =>
  (error as { name?: string })?.name === 'TransactionCanceledException' &&
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some(
    (r) => r.Code === 'ConditionalCheckFailed',
  );

/** Repository over the demand table: point reads, conditional writes and batches with retry of unprocessed items. */
export function createDemandTable(client: DynamoDBDocumentClient, tableName: string) {
  /** Reads one item (strongly consistent when asked). */
  async function get(key: TableKey, consistent = false): Promise<Item | undefined> {
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: consistent }),
    );
    return out.Item as Item | undefined;
  }

  /** Writes `item` unless an item with its key exists; returns false when it existed. */
  async function putIfAbsent(item: Item): Promise<boolean> {
    try {
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) {
        return false;
      }
      throw error;
    }
  }

  /** Writes all `items` or none (one transaction, at most 100 items), each only if absent; false when any existed. */
  async function putAllIfAbsent(items: Item[]): Promise<boolean> {
    if (items.length > 100) {
      throw new Error(`a transaction holds at most 100 items, got ${items.length}`);
    }
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: items.map((Item) => ({
            Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' },
          })),
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionConditionFailed(error)) {
        return false;
      }
      throw error;
    }
  }

  /** BatchWrite (25 per request) retrying unprocessed items with backoff; returns what stayed unprocessed. */
  async function batchPut(items: Item[], retry: RetryOptions = {}): Promise<BatchWriteResult> {
    const attempts = retry.attempts ?? 5;
    let unprocessedAll: Item[] = [];
    for (const part of chunk(items, 25)) {
      let pending = part;
      for (let attempt = 0; pending.length > 0 && attempt < attempts; attempt++) {
        if (attempt > 0) {
          await sleep(backoff(attempt, retry));
        }
        const out = await client.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
        );
        pending = (out.UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest?.Item as Item);
      }
      unprocessedAll = unprocessedAll.concat(pending);
    }
    return { written: items.length - unprocessedAll.length, unprocessed: unprocessedAll };
  }

  /** BatchGet (100 keys per request) retrying unprocessed keys; returns the items found. */
  async function batchGet(keys: TableKey[], retry: RetryOptions = {}): Promise<Item[]> {
    const attempts = retry.attempts ?? 5;
    const found: Item[] = [];
    for (const part of chunk(keys.map(keyOf), 100)) {
      let pending: TableKey[] = part;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= attempts) {
          throw new Error(`BatchGet left ${pending.length} keys unprocessed after ${attempts} attempts`);
        }
        if (attempt > 0) {
          await sleep(backoff(attempt, retry));
        }
        const out = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
        found.push(...((out.Responses?.[tableName] ?? []) as Item[]));
        pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as TableKey[];
      }
    }
    return found;
  }

  return {
    tableName,
    client,
    get,
    putIfAbsent,
    putAllIfAbsent,
    batchPut,
    batchGet,
    /** A fan's registration entry in a campaign. */
    getEntry: (campaignId: string, globalUserId: string) => get(entryKey(campaignId, globalUserId)),
    /** An invite-list item, looked up by the normalised identifier. */
    getInvite: (campaignId: string, type: InviteType, value: string) => get(inviteKey(campaignId, type, value)),
  };
}

export type DemandTable = ReturnType<typeof createDemandTable>;
