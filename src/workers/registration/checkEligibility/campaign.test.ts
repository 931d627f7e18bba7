import type { Campaign } from '../../../shared/domain/campaign';
import { parseInstant, validateCampaign } from './campaign';

const now = new Date('2026-03-08T12:00:00Z');
const campaign = (status: string, date: Campaign['date'] = {}): Campaign => ({ id: 'c1', status, date });

describe('validateCampaign (DECISIONS.md [1])', () => {
  it('answers CAMPAIGN_NOT_FOUND when there is no campaign', () => {
    expect(validateCampaign(undefined, now, true)).toEqual({ open: false, reason: 'CAMPAIGN_NOT_FOUND' });
  });

  it('accepts OPEN and a stored ACTIVE (read as OPEN), in any letter case', () => {
    expect(validateCampaign(campaign('OPEN'), now, false).open).toBe(true);
    expect(validateCampaign(campaign('ACTIVE'), now, false).open).toBe(true);
    expect(validateCampaign(campaign('open'), now, false).open).toBe(true);
  });

  it.each(['DRAFT', 'CLOSED', 'INACTIVE', 'TRANSFERRING', ''])('refuses status %p as CAMPAIGN_CLOSED', (status) => {
    expect(validateCampaign(campaign(status), now, true)).toMatchObject({ open: false, reason: 'CAMPAIGN_CLOSED' });
  });

  it('accepts PREVIEW only when allowPreview is set', () => {
    expect(validateCampaign(campaign('PREVIEW'), now, false)).toMatchObject({ open: false, reason: 'CAMPAIGN_CLOSED' });
    expect(validateCampaign(campaign('PREVIEW'), now, true).open).toBe(true);
  });

  it('opens at date.open inclusive and closes at date.close exclusive', () => {
    const window = { open: '2026-03-08T12:00:00Z', close: '2026-03-08T12:00:00.001Z' };
    expect(validateCampaign(campaign('OPEN', window), now, false).open).toBe(true);
    expect(validateCampaign(campaign('OPEN', { open: '2026-03-08T12:00:00.001Z' }), now, false)).toMatchObject({
      reason: 'CAMPAIGN_CLOSED',
    });
    expect(validateCampaign(campaign('OPEN', { close: '2026-03-08T12:00:00Z' }), now, false)).toMatchObject({
      reason: 'CAMPAIGN_CLOSED',
    });
  });

  it('treats missing, null and empty dates as no bound', () => {
    expect(validateCampaign(campaign('OPEN', { open: null, close: '' }), now, false).open).toBe(true);
    expect(validateCampaign({ id: 'c1', status: 'OPEN' }, now, false).open).toBe(true);
  });

  it('lets a PREVIEW campaign be tried before date.open but not after date.close', () => {
    expect(validateCampaign(campaign('PREVIEW', { open: '2026-04-01T00:00:00Z' }), now, true).open).toBe(true);
    expect(validateCampaign(campaign('PREVIEW', { close: '2026-03-01T00:00:00Z' }), now, true)).toMatchObject({
      reason: 'CAMPAIGN_CLOSED',
    });
  });

  it('closes a campaign whose dates cannot be read instead of opening it', () => {
    expect(validateCampaign(campaign('OPEN', { open: 'next tuesday' }), now, false)).toMatchObject({
      reason: 'CAMPAIGN_CLOSED',
    });
  });

  it('compares instants across offsets and a US DST change without drift', () => {
    // 2026-03-08 is the US spring-forward day: 07:00 in New York is 11:00Z, one hour before `now`.
    expect(validateCampaign(campaign('OPEN', { open: '2026-03-08T07:00:00-04:00' }), now, false).open).toBe(true);
    expect(validateCampaign(campaign('OPEN', { close: '2026-03-08T08:00:00-04:00' }), now, false).open).toBe(false);
    expect(validateCampaign(campaign('OPEN', { close: '2026-03-08T08:00:01-04:00' }), now, false).open).toBe(true);
  });
});

describe('parseInstant', () => {
  it('reads ISO strings, dates from MongoDB and epoch milliseconds', () => {
    expect(parseInstant('2026-03-08T12:00:00Z')).toBe(now.getTime());
    expect(parseInstant(new Date(now))).toBe(now.getTime());
    expect(parseInstant(now.getTime())).toBe(now.getTime());
    expect(parseInstant('2026-03-08')).toBe(Date.parse('2026-03-08T00:00:00Z'));
  });

  it('reads a date-time without an offset as UTC (the string carries no zone, so the machine zone must not decide)', () => {
    expect(parseInstant('2026-03-08T12:00:00')).toBe(now.getTime());
    expect(parseInstant('2026-03-08T12:00:00.250')).toBe(now.getTime() + 250);
  });

  it('gives null for unset and NaN for unreadable values', () => {
    expect(parseInstant(undefined)).toBeNull();
    expect(parseInstant('')).toBeNull();
    expect(parseInstant('soon')).toBeNaN();
    expect(parseInstant({})).toBeNaN();
  });
});
