import type { Campaign } from '../../../shared/domain/campaign';
import { normaliseStatus } from '../../../shared/domain/campaign';

export type CampaignCheck =
  | { open: true; campaign: Campaign }
  | { open: false; reason: 'CAMPAIGN_NOT_FOUND' | 'CAMPAIGN_CLOSED'; detail?: string };

// An ISO date-time without an offset ("2026-05-01T10:00:00") would be read in the machine's
// time zone; campaign dates are instants, so such strings are read as UTC.
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Epoch milliseconds of a stored date (ISO string, Date from MongoDB, or epoch ms); `null` when
 * the date is not set, `NaN` when it is set but unreadable. Pure instant arithmetic, so no DST
 * rule can move a window.
 */
export function parseInstant(value: unknown): number | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : Number.NaN;
  }
  if (typeof value !== 'string') {
    return Number.NaN;
  }
  const text = value.trim();
  if (DATE_ONLY.test(text) || HAS_ZONE.test(text)) {
    return Date.parse(text);
  }
  return /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(`${text}Z`) : Number.NaN;
}

/**
 * DECISIONS.md [1]: OPEN (a stored ACTIVE counts as OPEN) with `date.open <= now < date.close`
 * where those dates are set. PREVIEW, when `allowPreview`, ignores `date.open` (previewing
 * before the campaign opens is its purpose) but still ends at `date.close`. An unreadable date
 * closes the campaign rather than opening it.
 */
export function validateCampaign(campaign: Campaign | undefined, now: Date, allowPreview: boolean): CampaignCheck {
  if (!campaign) {
    return { open: false, reason: 'CAMPAIGN_NOT_FOUND' };
  }
  const status = normaliseStatus(typeof campaign.status === 'string' ? campaign.status.toUpperCase() : campaign.status);
  const preview = status === 'PREVIEW' && allowPreview;
  if (status !== 'OPEN' && !preview) {
    return { open: false, reason: 'CAMPAIGN_CLOSED', detail: `status ${status || '(none)'}` };
  }
  const opensAt = parseInstant(campaign.date?.open);
  const closesAt = parseInstant(campaign.date?.close);
  if (Number.isNaN(opensAt) || Number.isNaN(closesAt)) {
    return { open: false, reason: 'CAMPAIGN_CLOSED', detail: 'unreadable date.open or date.close' };
  }
  const t = now.getTime();
  if (!preview && opensAt !== null && t < opensAt) {
    return { open: false, reason: 'CAMPAIGN_CLOSED', detail: 'not open yet' };
  }
  if (closesAt !== null && t >= closesAt) {
    return { open: false, reason: 'CAMPAIGN_CLOSED', detail: 'closed' };
  }
  return { open: true, campaign };
}
