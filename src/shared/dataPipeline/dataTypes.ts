import type { DataType } from './schemas';
import { DATA_TYPES } from './schemas';

const BY_FOLDED_NAME = new Map<string, DataType>(DATA_TYPES.map((t) => [fold(t), t]));

function fold(name: string): string {
  return name.replace(/[\s_-]/g, '').toLowerCase();
}

/**
 * The canonical record type for a type name in any case or separator style (`CAMPAIGN`,
 * `campaign`, `EVENT_MAPPING`, `eventMapping`, `registered-market`); undefined when unknown.
 */
export function normaliseDataType(name: unknown): DataType | undefined {
  if (typeof name !== 'string' || name.length > 64) {
    return undefined;
  }
  return BY_FOLDED_NAME.get(fold(name.trim()));
}
