import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DemandTable } from '../../../shared/aws/demandTable';
import { isConditionFailed } from '../../../shared/aws/demandTable';
import type { TableKey } from '../../../shared/aws/keys';
import { keyOf } from '../../../shared/aws/keys';

/**
 * Sets `needsReplication = false` on an entry Entry Service now holds, only while its
 * `date.updated` is still the replicated value: a write that happened meanwhile keeps its flag
 * and is replicated by its own change. Returns false when that condition failed (not an error).
 */
export async function clearNeedsReplication(
  table: Pick<DemandTable, 'client' | 'tableName'>,
  key: TableKey,
  replicatedUpdated: string | undefined,
): Promise<boolean> {
  try {
    await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET needsReplication = :false',
        ConditionExpression:
          replicatedUpdated === undefined
            ? 'attribute_exists(PK) AND attribute_not_exists(#date.#updated)'
            : '#date.#updated = :updated',
        ExpressionAttributeNames: { '#date': 'date', '#updated': 'updated' },
        ExpressionAttributeValues: {
          ':false': false,
          ...(replicatedUpdated === undefined ? {} : { ':updated': replicatedUpdated }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) {
      return false;
    }
    throw error;
  }
}
