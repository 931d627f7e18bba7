import type { ChangeOperation } from '../../../shared/runtime';

/**
 * A message of the save-entries queue (DOMAIN.md 4.3, 4.4): one demand-table change of a
 * registration, images as plain JSON. enqueueEntries writes it, saveEntries reads it.
 */
export interface SaveEntriesMessage {
  operation: ChangeOperation;
  /** The entry after the change; absent for REMOVE. */
  newItem?: Record<string, unknown>;
  /** The entry before the change; absent for INSERT (and dropped from a MODIFY too large to send). */
  oldItem?: Record<string, unknown>;
}
