import { idProblem } from '../../../shared/domain/ids';
import type { EntryService } from '../../../shared/services/entries';
import { eligibilityPages } from '../../../shared/services/entries';
import { InvalidInputError, requireObject } from '../../../shared/runtime';
import type { Logger } from '../../../shared/runtime';
import { formatError } from '../../../shared/runtime';
import type { MarketStore } from '../shared/store';
import { toTime } from '../shared/time';
import { errorMessage } from '../shared/types';
import type { SendTimeSettings } from './sendTime';
import { planSendTime } from './sendTime';

export interface PlanSendsInput {
  /** getMarketsToNotify's `markets` (planning mode), checked one by one. */
  markets: unknown[];
}

export interface PlannedMarket {
  marketId: string;
  campaignId: string;
  /** Selected fans with a US phone number. */
  count: number;
  notificationDate: string;
  finishDate: string;
  late: boolean;
}

export interface PlanError {
  marketId?: string;
  campaignId?: string;
  error: string;
}

export interface PlanSendsResult {
  plannedCount: number;
  /** Markets another run planned in the meantime (left as they were). */
  alreadyPlannedCount: number;
  /** Markets of the input that MongoDB does not hold (deleted since getMarketsToNotify read them). */
  missingCount: number;
  planned: PlannedMarket[];
  missing: { marketId: string; campaignId: string }[];
  errors: PlanError[];
}

export interface PlanSendsDeps {
  store: Pick<MarketStore, 'setNotificationTime' | 'getMarket'>;
  entries: Pick<EntryService, 'getEligibilityCount'>;
  settings: SendTimeSettings;
  now: () => Date;
  log: Logger;
}

interface MarketToPlan {
  id: string;
  campaignId: string;
  presale: Date;
}

/** Validates the task input `{ markets: [...] }` (the output of getMarketsToNotify). */
export function parsePlanSendsInput(event: unknown): PlanSendsInput {
  const input = requireObject(event);
  if (!Array.isArray(input.markets)) {
    throw new InvalidInputError('markets must be an array (the output of getMarketsToNotify in planning mode)');
  }
  return { markets: input.markets };
}

function toMarketToPlan(value: unknown): MarketToPlan | PlanError {
  const m = (value ?? {}) as Record<string, unknown>;
  const id = typeof m.id === 'string' && m.id ? m.id : undefined;
  const campaignId = typeof m.campaignId === 'string' && m.campaignId ? m.campaignId : undefined;
  const presale = toTime(m.presaleDateTime);
  if (!id || !campaignId || presale === undefined) {
    return { marketId: id, campaignId, error: 'market needs id, campaignId and a valid presaleDateTime' };
  }
  // The campaign goes into Entry Service's URL path, the market into its query and MongoDB: a
  // bad id (`..`, a control character, over 128 characters) is reported, not sent, and not echoed.
  const idError = idProblem(id, 'id');
  const campaignError = idProblem(campaignId, 'campaignId');
  if (idError !== undefined || campaignError !== undefined) {
    return {
      marketId: idError === undefined ? id : undefined,
      campaignId: campaignError === undefined ? campaignId : undefined,
      error: (idError ?? campaignError)!,
    };
  }
  return { id, campaignId, presale: new Date(presale) };
}

function groupByCampaign(markets: MarketToPlan[]): Map<string, MarketToPlan[]> {
  const groups = new Map<string, MarketToPlan[]>();
  for (const m of markets) {
    groups.set(m.campaignId, [...(groups.get(m.campaignId) ?? []), m]);
  }
  return groups;
}

/**
 * Plans the SMS reminder time of each market (DOMAIN 4.14, DECISIONS [23]) from its count of
 * selected fans with US phone numbers, and stores it as `date.notification`. One Entry Service
 * call per campaign, or per page of its markets (`eligibilityPages`) when they are too many for
 * one URL. A failure affects only the markets concerned: they are reported in `errors` and stay
 * unplanned, so the next hourly run plans them. A market MongoDB no longer holds is `missing`.
 */
export async function planSends(input: PlanSendsInput, deps: PlanSendsDeps): Promise<PlanSendsResult> {
  const result: PlanSendsResult = {
    plannedCount: 0,
    alreadyPlannedCount: 0,
    missingCount: 0,
    planned: [],
    missing: [],
    errors: [],
  };
  const valid: MarketToPlan[] = [];
  for (const parsed of input.markets.map(toMarketToPlan)) {
    if ('error' in parsed) {
      result.errors.push(parsed);
    } else {
      valid.push(parsed);
    }
  }
  for (const [campaignId, markets] of groupByCampaign(valid)) {
    // Pages are consecutive runs of the campaign's markets, in order.
    let start = 0;
    for (const page of eligibilityPages(markets.map((m) => m.id))) {
      await planPage(campaignId, markets.slice(start, start + page.length), deps, result);
      start += page.length;
    }
  }
  return result;
}

/** Counts one page of a campaign's markets with one Entry Service call, then plans each of them. */
async function planPage(campaignId: string, markets: MarketToPlan[], deps: PlanSendsDeps, result: PlanSendsResult): Promise<void> {
  let counts: { total: number; byMarket: Record<string, number> };
  try {
    // selectedOnly counts the fans who hold a code for the market, i.e. who get a reminder.
    // reassign keeps those fans in the count should a service version not know selectedOnly:
    // an overestimate only starts the sends earlier.
    counts = await deps.entries.getEligibilityCount(campaignId, {
      marketIds: markets.map((m) => m.id),
      excludeIntlPhone: true,
      selectedOnly: true,
      reassign: true,
    });
  } catch (error) {
    deps.log.error('eligible counts unavailable; the markets are planned on the next run', {
      campaignId,
      markets: markets.length,
      error: formatError(error),
    });
    result.errors.push(...markets.map((m) => ({ marketId: m.id, campaignId, error: errorMessage(error) })));
    return;
  }
  for (const market of markets) {
    // Without a per-market figure the page's total stands in: too high only means earlier.
    await planMarket(market, counts.byMarket[market.id] ?? counts.total, deps, result);
  }
}

async function planMarket(market: MarketToPlan, count: number, deps: PlanSendsDeps, result: PlanSendsResult): Promise<void> {
  const plan = planSendTime(count, market.presale, deps.now(), deps.settings);
  try {
    if (!(await deps.store.setNotificationTime(market.id, plan.start))) {
      // Not set: planned (or notified) already, or the market is gone since getMarketsToNotify read it.
      if (await deps.store.getMarket(market.id)) {
        result.alreadyPlannedCount++;
      } else {
        deps.log.warn('market not found; nothing planned for it', { marketId: market.id, campaignId: market.campaignId });
        result.missingCount++;
        result.missing.push({ marketId: market.id, campaignId: market.campaignId });
      }
      return;
    }
  } catch (error) {
    deps.log.error('could not store the planned time', { marketId: market.id, error: formatError(error) });
    result.errors.push({ marketId: market.id, campaignId: market.campaignId, error: errorMessage(error) });
    return;
  }
  if (plan.late) {
    deps.log.warn('reminders cannot all be sent before the presale cut-off', {
      marketId: market.id,
      count,
      start: plan.start.toISOString(),
      finish: plan.finish.toISOString(),
    });
  }
  result.plannedCount++;
  result.planned.push({
    marketId: market.id,
    campaignId: market.campaignId,
    count,
    notificationDate: plan.start.toISOString(),
    finishDate: plan.finish.toISOString(),
    late: plan.late,
  });
}
