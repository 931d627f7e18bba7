import type { CampaignRecord, MarketRecord, RegistrationRecord } from './schemas';
import { DATA_TYPES } from './schemas';
import { validateDataRecord } from './validate';

const dedupe = { id: 'f'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };

const minimal = {
  campaign: { campaignId: 'c1', dedupe },
  market: { campaignId: 'c1', marketId: 'm1', dedupe },
  eventMapping: { campaignId: 'c1', marketId: 'm1', eventIds: ['E1'], dedupe },
  registeredMarket: { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: 1, dedupe },
  registration: { campaignId: 'c1', globalUserId: 'g1', dedupe },
} as const;

describe('validateDataRecord', () => {
  it.each(DATA_TYPES)('accepts a minimal %s with its required ids and dedupe', (type) => {
    expect(validateDataRecord(type, minimal[type])).toEqual({ valid: true, record: minimal[type] });
  });

  it.each(DATA_TYPES)('requires dedupe on %s', (type) => {
    const { dedupe: _omit, ...rest } = minimal[type];
    const result = validateDataRecord(type, rest);
    expect(result).toEqual({ valid: false, errors: `${type} must have required property 'dedupe'` });
  });

  it.each([
    ['campaign', ['campaignId']],
    ['market', ['campaignId', 'marketId']],
    ['eventMapping', ['campaignId', 'marketId', 'eventIds']],
    ['registeredMarket', ['campaignId', 'globalUserId', 'marketId', 'rank']],
    ['registration', ['campaignId', 'globalUserId']],
  ] as const)('names every missing required id of %s', (type, ids) => {
    const result = validateDataRecord(type, { dedupe });
    expect(result.valid).toBe(false);
    for (const id of ids) {
      expect(!result.valid && result.errors).toContain(`${type} must have required property '${id}'`);
    }
  });

  it('gives readable messages for wrong types, unknown fields and a bad dedupe, all at once', () => {
    const result = validateDataRecord('registration', {
      campaignId: '',
      globalUserId: 'g1',
      email: 'leak@example.com',
      score: { final: 'high' },
      dedupe: { id: 'not-a-hash', timestamp: 'yesterday' },
    });
    expect(result.valid).toBe(false);
    const errors = result.valid ? [] : result.errors.split('; ');
    expect(errors).toEqual(
      expect.arrayContaining([
        'registration/campaignId must NOT have fewer than 1 characters',
        "registration must not have property 'email'",
        'registration/score/final must be number,null',
        'registration/dedupe/id must match pattern "^[0-9a-f]{64}$"',
        'registration/dedupe/timestamp must match format "date-time"',
      ]),
    );
  });

  it('keeps open objects open and closed objects closed', () => {
    expect(validateDataRecord('campaign', { ...minimal.campaign, image: { main: { url: 'u' }, any: 1 } }).valid).toBe(
      true,
    );
    expect(validateDataRecord('campaign', { ...minimal.campaign, domain: { site: 's', other: 1 } })).toEqual({
      valid: false,
      errors: "campaign/domain must not have property 'other'",
    });
    expect(validateDataRecord('market', { ...minimal.market, event: { ids: ['E1'], ticketer: 'TM' } }).valid).toBe(
      true,
    );
    expect(validateDataRecord('market', { ...minimal.market, point: { coordinates: [1, 2] } }).valid).toBe(false);
  });

  it('accepts null for optional fields and rejects a rank below 1', () => {
    expect(validateDataRecord('campaign', { ...minimal.campaign, name: null, date: null }).valid).toBe(true);
    expect(validateDataRecord('registeredMarket', { ...minimal.registeredMarket, rank: 0 })).toEqual({
      valid: false,
      errors: 'registeredMarket/rank must be >= 1',
    });
  });

  it('rejects a __proto__ key on a closed object instead of passing it on', () => {
    const polluted = JSON.parse(`{"campaignId":"c1","dedupe":${JSON.stringify(dedupe)},"__proto__":{"x":1}}`);
    expect(validateDataRecord('campaign', polluted)).toEqual({
      valid: false,
      errors: "campaign must not have property '__proto__'",
    });
  });

  it('derives TypeScript types from the schemas', () => {
    // Compile-time: these assignments fail type-checking if the schemas and types drift apart.
    const campaign: CampaignRecord = { campaignId: 'c1', artist: { discoveryId: 'd' }, dedupe };
    const market: MarketRecord = {
      campaignId: 'c1',
      marketId: 'm1',
      point: { coordinates: { latitude: 1, longitude: 2 } },
      dedupe,
    };
    const registration: RegistrationRecord = { campaignId: 'c1', globalUserId: 'g1', fields: '{}', dedupe };
    expect(validateDataRecord('campaign', campaign).valid).toBe(true);
    expect(validateDataRecord('market', market).valid).toBe(true);
    expect(validateDataRecord('registration', registration).valid).toBe(true);
  });

  it('keeps the reason short for a hostile record: ten problems listed, the rest counted, names cut', () => {
    const hostile = Object.fromEntries([
      [`${'k'.repeat(1_000_000)}`, 1],
      ...Array.from({ length: 5000 }, (_, i) => [`f${i}`, i]),
    ]);
    const result = validateDataRecord('campaign', hostile);
    const errors = result.valid ? '' : result.errors;
    expect(errors).toMatch(/; and \d+ more$/);
    expect(errors.split('; ')).toHaveLength(11);
    expect(errors).toContain(`must not have property '${'k'.repeat(64)}…(+999936 chars)'`);
    expect(errors.length).toBeLessThan(2000);
  });
});
