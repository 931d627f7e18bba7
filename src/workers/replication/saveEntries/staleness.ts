import type { Item } from '../../../shared/aws/demandTable';
import { quote } from '../../../shared/runtime/quote';
import type { SaveEntryRecord } from './message';

export type Judgement = { replicate: true } | { replicate: false; reason: string };

/** Epoch ms of an ISO `date.updated` (a string without offset read as UTC); undefined when unreadable. */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const ms = Date.parse(/T[^Z+-]*$/.test(value) ? `${value}Z` : value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** True only when both dates are readable and `a` is strictly earlier than `b`. */
export function isOlder(a: unknown, b: unknown): boolean {
  const x = instant(a);
  const y = instant(b);
  return x !== undefined && y !== undefined && x < y;
}

const updatedOf = (item: Item): unknown => (item.date as { updated?: unknown } | undefined)?.updated;

/**
 * Whether a change may still be replicated, given the item as the table holds it now
 * (DECISIONS.md [7]). INSERT/MODIFY: the item must still exist and the change must not be older
 * (by `date.updated`) than it. REMOVE: refused when the item exists again, unless that item is
 * provably older than the one removed — a re-created entry is replicated by its own INSERT.
 */
export function judge(record: SaveEntryRecord, current: Item | undefined): Judgement {
  if (record.operation === 'REMOVE') {
    if (current && !isOlder(updatedOf(current), record.updated)) {
      return {
        replicate: false,
        reason: `deletion superseded: the item exists again (date.updated ${quote(updatedOf(current))})`,
      };
    }
    return { replicate: true };
  }
  if (!current) {
    return { replicate: false, reason: `${record.operation} of an item that no longer exists` };
  }
  if (isOlder(record.updated, updatedOf(current))) {
    return {
      replicate: false,
      reason: `stale: date.updated ${quote(record.updated)} is older than the table's ${quote(updatedOf(current))}`,
    };
  }
  return { replicate: true };
}
