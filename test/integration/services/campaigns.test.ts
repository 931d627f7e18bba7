import { createCampaignService } from '../../../src/shared/services';
import { clientFor, useServiceFakes } from './setup';

const fakes = useServiceFakes();
const service = () => createCampaignService(clientFor(fakes(), 'campaigns'));
const market = {
  id: 'm1',
  campaign_id: 'c1',
  name: 'New York',
  timezone: 'America/New_York',
  event: { ids: ['e1'], ticketer: 'TM', presaleDateTime: '2026-05-01T17:00:00Z' },
};

describe('Campaign Service client', () => {
  beforeEach(() => {
    fakes().campaigns.seedCampaign({
      id: 'c1',
      status: 'OPEN',
      domain: { site: 'artist' },
      markets: [market, { ...market, id: 'm2', name: 'Boston' }],
    });
  });

  it('reads a campaign with its markets', async () => {
    const campaign = await service().getCampaign('c1');
    expect(campaign).toMatchObject({ id: 'c1', status: 'OPEN', domain: { site: 'artist' } });
    expect(campaign?.markets?.map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('reads one market and all markets', async () => {
    await expect(service().getMarket('c1', 'm1')).resolves.toEqual(market);
    await expect(service().getMarkets('c1')).resolves.toEqual([market, { ...market, id: 'm2', name: 'Boston' }]);
  });

  it('returns null or no markets for what does not exist, without retrying', async () => {
    await expect(service().getCampaign('nope')).resolves.toBeNull();
    await expect(service().getMarket('c1', 'nope')).resolves.toBeNull();
    await expect(service().getMarket('nope', 'm1')).resolves.toBeNull();
    await expect(service().getMarkets('nope')).resolves.toEqual([]);
    expect(fakes().campaigns.requests).toHaveLength(4);
  });

  it('still fails on a server error', async () => {
    fakes().campaigns.failNext({ status: 500, count: 3 });
    await expect(service().getCampaign('c1')).rejects.toMatchObject({ status: 500, attempts: 3 });
  });
});
