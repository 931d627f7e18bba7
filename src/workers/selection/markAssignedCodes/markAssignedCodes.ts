/**
 * markAssignedCodes (DOMAIN.md 4.9, DECISIONS.md [17]): codes that appeared on an entry are
 * marked assigned in Code Service, so they are never reserved again.
 */
import { idProblem } from '../../../shared/domain/ids';
import type { BatchResult, RejectedRecord } from '../../../shared/runtime/batch';
import type { Logger } from '../../../shared/runtime/logger';
import type { ChangeRecord } from '../../../shared/runtime/stream';
import type { CodeService } from '../../../shared/services/codes';

/** The entry fields this worker reads from a stream image. */
export interface EntryImage {
  campaignId?: unknown;
  codes?: unknown;
}

export interface MarkAssignedCodesDeps {
  codes: Pick<CodeService, 'assignCodes'>;
  log: Logger;
}

const codeIds = (image: EntryImage | undefined): string[] =>
  Array.isArray(image?.codes)
    ? image.codes.flatMap((c) =>
        c && typeof c === 'object' && typeof (c as { id?: unknown }).id === 'string' ? [(c as { id: string }).id] : [],
      )
    : [];

/** Code ids in the new image's `codes` that the old image's `codes` did not hold. */
export function newCodes(record: ChangeRecord<EntryImage>): string[] {
  const before = new Set(codeIds(record.oldItem));
  return [...new Set(codeIds(record.newItem).filter((id) => !before.has(id)))];
}

/** Marks the batch's new codes, one Code Service call per campaign; a failed call fails every record behind it. */
export async function markAssignedCodes(
  records: readonly ChangeRecord<EntryImage>[],
  deps: MarkAssignedCodesDeps,
): Promise<BatchResult> {
  const byCampaign = new Map<string, { codes: Set<string>; sequenceNumbers: string[] }>();
  const rejected: RejectedRecord[] = [];
  let skipped = 0;
  for (const record of records) {
    const codes = record.operation === 'MODIFY' ? newCodes(record) : [];
    if (codes.length === 0) {
      skipped++;
      continue;
    }
    // campaignId goes into Code Service's URL path: the id rule keeps a `..` from calling anything.
    const problem = idProblem(record.newItem?.campaignId, 'campaignId');
    if (problem !== undefined) {
      rejected.push({
        id: record.sequenceNumber,
        reason: `entry ${record.keys.PK}/${record.keys.SK} has new codes but ${problem}`,
      });
      continue;
    }
    const campaignId = record.newItem?.campaignId as string;
    const group = byCampaign.get(campaignId) ?? { codes: new Set<string>(), sequenceNumbers: [] };
    codes.forEach((code) => group.codes.add(code));
    group.sequenceNumbers.push(record.sequenceNumber);
    byCampaign.set(campaignId, group);
  }

  const results = await Promise.all(
    [...byCampaign].map(async ([campaignId, group]) => {
      try {
        const { count } = await deps.codes.assignCodes(campaignId, [...group.codes]);
        return { failed: [] as string[], sent: group.codes.size, marked: count.updated };
      } catch (error) {
        deps.log.error('codes not marked assigned', {
          campaignId,
          codes: group.codes.size,
          records: group.sequenceNumbers.length,
          error,
        });
        return { failed: group.sequenceNumbers, sent: 0, marked: 0 };
      }
    }),
  );
  return {
    failed: results.flatMap((r) => r.failed),
    rejected,
    counts: {
      skipped,
      campaigns: byCampaign.size,
      codesSent: results.reduce((sum, r) => sum + r.sent, 0),
      codesMarked: results.reduce((sum, r) => sum + r.marked, 0),
    },
  };
}
