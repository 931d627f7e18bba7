import type { CodeService, CodeType } from '../../../shared/services/codes';
import type { Logger } from '../../../shared/runtime/logger';
import { chunk } from '../../../shared/aws/batches';

export interface ReserveLimits {
  /** Fewest codes an invocation reserves (config `selection.minimumCodeReserveCount`). */
  minimum: number;
  /** Largest reservation per call (config `selection.maxReservePerCall`). */
  maxPerCall: number;
}

/** Code Service could not supply a code for every fan of the invocation. */
export class NotEnoughCodesError extends Error {
  constructor(
    readonly needed: number,
    readonly available: number,
    readonly type: CodeType,
  ) {
    super(`not enough codes: needed ${needed} ${type} codes, Code Service had ${available}`);
    this.name = 'NotEnoughCodesError';
  }
}

/** Ticketmaster markets use `tm` codes, every other ticketer `external` ones (DECISIONS.md [13]). */
export function codeTypeFor(market: { event?: { ticketer?: string } }): CodeType {
  const ticketer = (market.event?.ticketer ?? '').trim().toUpperCase();
  return ticketer === 'TM' || ticketer === 'TICKETMASTER' ? 'tm' : 'external';
}

/**
 * Returns codes to the pool. A failed release is logged, not thrown: the selection itself
 * succeeded, and Code Service lets unassigned reservations lapse after 24 hours anyway.
 */
export async function releaseCodes(
  codes: Pick<CodeService, 'releaseCodes'>,
  campaignId: string,
  list: readonly string[],
  maxPerCall: number,
  log: Logger,
): Promise<{ released: number; notReleased: number }> {
  let released = 0;
  let notReleased = 0;
  for (const part of chunk(list, maxPerCall)) {
    try {
      await codes.releaseCodes(campaignId, part);
      released += part.length;
    } catch (error) {
      notReleased += part.length;
      log.error('reserved codes could not be released; they lapse after 24 hours', {
        campaignId,
        codes: part.length,
        error,
      });
    }
  }
  return { released, notReleased };
}

/**
 * Reserves `needed` distinct codes of `type`: at least `minimum` in all, in calls of at most
 * `maxPerCall`. When the pool runs short, or a call fails, everything reserved here is released
 * and the error thrown, so no fan of the invocation is enqueued without a code.
 */
export async function reserveCodes(
  codes: Pick<CodeService, 'reserveCodes' | 'releaseCodes'>,
  campaignId: string,
  needed: number,
  type: CodeType,
  limits: ReserveLimits,
  log: Logger,
): Promise<string[]> {
  const target = Math.max(needed, limits.minimum);
  const reserved = new Set<string>();
  try {
    while (reserved.size < target) {
      const count = Math.min(limits.maxPerCall, target - reserved.size);
      const got = await codes.reserveCodes(campaignId, { count, type });
      got.codes.forEach((code) => reserved.add(code));
      if (got.codes.length < count) {
        break;
      }
    }
  } catch (error) {
    await releaseCodes(codes, campaignId, [...reserved], limits.maxPerCall, log);
    throw error;
  }
  if (reserved.size < needed) {
    await releaseCodes(codes, campaignId, [...reserved], limits.maxPerCall, log);
    throw new NotEnoughCodesError(needed, reserved.size, type);
  }
  return [...reserved];
}
