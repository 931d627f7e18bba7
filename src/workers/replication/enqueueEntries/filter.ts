import type { ChangeRecord } from '../../../shared/runtime';

export type ReplicationDecision = { replicate: true } | { replicate: false; reason: string };

const isRegistration = (item: Record<string, unknown> | undefined): boolean => item?.type === 'registration';

const fanModifiedOf = (item: Record<string, unknown> | undefined): unknown =>
  (item?.date as { fanModified?: unknown } | undefined)?.fanModified;

/**
 * Which demand-table changes reach Entry Service (DECISIONS.md [4][5]): a registration's
 * INSERT; its MODIFY only when the new image asks for it (`needsReplication = true`) or the fan
 * edited the form (`date.fanModified` changed); its REMOVE, as a deletion. Everything else —
 * other record types, system-only updates, and saveEntries' own write that clears
 * `needsReplication` — is skipped, which is what keeps replication from looping.
 */
export function decideReplication(change: ChangeRecord): ReplicationDecision {
  switch (change.operation) {
    case 'INSERT':
      return isRegistration(change.newItem) ? { replicate: true } : { replicate: false, reason: 'not a registration' };
    case 'MODIFY':
      if (!isRegistration(change.newItem)) {
        return { replicate: false, reason: 'not a registration' };
      }
      if (
        change.newItem?.needsReplication === true ||
        fanModifiedOf(change.newItem) !== fanModifiedOf(change.oldItem)
      ) {
        return { replicate: true };
      }
      return { replicate: false, reason: 'system update (no needsReplication, date.fanModified unchanged)' };
    case 'REMOVE':
      return isRegistration(change.oldItem) ? { replicate: true } : { replicate: false, reason: 'not a registration' };
  }
}
