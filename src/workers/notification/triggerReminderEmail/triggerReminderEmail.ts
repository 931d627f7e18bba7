import type { Logger } from '../../../shared/runtime';
import { formatError } from '../../../shared/runtime';
import type { ExportsService } from '../../../shared/services/exports';
import type { MarketStore } from '../shared/store';
import { toTime } from '../shared/time';
import { errorMessage } from '../shared/types';

export interface TriggeredEmail {
  campaignId: string;
  exportId: string;
  /** The reminder date this export served. */
  reminderDate: string;
  /** False when Exports Service already had one of this type PENDING or TRIGGERED. */
  created: boolean;
}

export interface ReminderEmailResult {
  triggeredCount: number;
  triggered: TriggeredEmail[];
  errors: { campaignId: string; error: string }[];
}

export interface ReminderEmailDeps {
  store: Pick<MarketStore, 'campaignsWithReminderEmailsUntil' | 'completeReminderEmail'>;
  exports: Pick<ExportsService, 'createExport'>;
  exportType: string;
  now: () => Date;
  log: Logger;
}

/** The earliest stored reminder date at or before `now`, as stored (so it can be pulled from the array). */
function earliestDue(dates: unknown, now: number): { stored: unknown; time: number } | undefined {
  const due = (Array.isArray(dates) ? dates : [])
    .map((stored: unknown) => ({ stored, time: toTime(stored) }))
    .filter((d): d is { stored: unknown; time: number } => d.time !== undefined && d.time <= now);
  return due.sort((a, b) => a.time - b.time)[0];
}

/**
 * Starts the reminder email export of every campaign with a due `date.sendReminderEmails`
 * entry (DOMAIN 4.15), one date per campaign and run: the earliest. An export of the same type
 * that is already PENDING or TRIGGERED counts as done, so a run that stopped between the
 * export and the MongoDB update completes on the next run without a second export.
 */
export async function triggerReminderEmails(deps: ReminderEmailDeps): Promise<ReminderEmailResult> {
  const now = deps.now();
  const result: ReminderEmailResult = { triggeredCount: 0, triggered: [], errors: [] };
  for (const campaign of await deps.store.campaignsWithReminderEmailsUntil(now)) {
    const due = earliestDue(campaign.date?.sendReminderEmails, now.getTime());
    if (!due) {
      continue;
    }
    try {
      const exported = await deps.exports.createExport(campaign.id, { exportType: deps.exportType });
      await deps.store.completeReminderEmail(campaign.id, due.stored, now);
      result.triggeredCount++;
      result.triggered.push({ campaignId: campaign.id, exportId: exported.id, reminderDate: new Date(due.time).toISOString(), created: exported.created });
    } catch (error) {
      deps.log.error('reminder email export not started; retried on the next run', { campaignId: campaign.id, error: formatError(error) });
      result.errors.push({ campaignId: campaign.id, error: errorMessage(error) });
    }
  }
  return result;
}
