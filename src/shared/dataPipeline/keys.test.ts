import { kafkaMessageKey } from './keys';

const dedupe = { id: 'a'.repeat(64), timestamp: '2026-01-01T00:00:00.000Z' };

describe('kafkaMessageKey (DECISIONS [19])', () => {
  it('keys a campaign by campaignId', () => {
    expect(kafkaMessageKey('campaign', { campaignId: 'c1', dedupe })).toBe('c1');
  });

  it('keys a market by marketId', () => {
    expect(kafkaMessageKey('market', { campaignId: 'c1', marketId: 'm1', dedupe })).toBe('m1');
  });

  it('keys an eventMapping by campaignId:marketId', () => {
    expect(kafkaMessageKey('eventMapping', { campaignId: 'c1', marketId: 'm1', eventIds: [], dedupe })).toBe('c1:m1');
  });

  it('keys a registeredMarket by campaignId:globalUserId:marketId', () => {
    expect(
      kafkaMessageKey('registeredMarket', { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: 1, dedupe }),
    ).toBe('c1:g1:m1');
  });

  it('keys a registration by campaignId:globalUserId', () => {
    expect(kafkaMessageKey('registration', { campaignId: 'c1', globalUserId: 'g1', dedupe })).toBe('c1:g1');
  });

  it('throws for a type it has no rule for', () => {
    expect(() => kafkaMessageKey('other' as 'campaign', { campaignId: 'c1', dedupe })).toThrow('No message key rule');
  });
});
