import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest } from './server';
import { FakeHttpError, check, createFakeServer, isObject, ok, extendFake } from './server';

export type FakeCampaign = { id: string; [field: string]: unknown };
export type FakeMarket = { id: string; campaign_id: string; [field: string]: unknown };

export interface CampaignServiceFake extends FakeControls {
  /** Adds or replaces a campaign; markets given here are stored as the campaign's markets. */
  seedCampaign(campaign: FakeCampaign & { markets?: FakeMarket[] }): void;
  /** Adds or replaces a market of an already seeded campaign. */
  seedMarket(market: FakeMarket): void;
  hasCampaign(campaignId: string): boolean;
}

/** A fake of Campaign Service's campaign and market reads, over campaigns you seed. */
export function createCampaignServiceFake(options: { publicKey?: string | KeyObject } = {}): CampaignServiceFake {
  const campaigns = new Map<string, FakeCampaign>();
  const markets = new Map<string, Map<string, FakeMarket>>();

  const seedMarket = (market: FakeMarket) => {
    check(
      campaigns.has(market.campaign_id),
      'campaignNotFound',
      `seed campaign ${market.campaign_id} before its markets`,
    );
    markets.get(market.campaign_id)!.set(market.id, structuredClone(market));
  };
  const seedCampaign = ({ markets: list = [], ...campaign }: FakeCampaign & { markets?: FakeMarket[] }) => {
    campaigns.set(campaign.id, structuredClone(campaign));
    markets.set(campaign.id, new Map());
    list.forEach((m) => seedMarket({ ...m, campaign_id: campaign.id }));
  };
  const campaignOr404 = (campaignId: string) => {
    const campaign = campaigns.get(campaignId);
    if (!campaign) {
      throw new FakeHttpError(404, 'campaignNotFound', `campaign ${campaignId} not found`);
    }
    return campaign;
  };
  const marketsOf = (campaignId: string) => [...(markets.get(campaignId)?.values() ?? [])];

  const server = createFakeServer({
    name: 'campaigns',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [
      {
        method: 'GET',
        pattern: '/campaigns/:campaignId',
        handle: (req: FakeRequest) =>
          ok(req, { ...campaignOr404(req.params.campaignId), markets: marketsOf(req.params.campaignId) }),
      },
      {
        method: 'GET',
        pattern: '/campaigns/:campaignId/markets',
        handle: (req: FakeRequest) => {
          campaignOr404(req.params.campaignId);
          return ok(req, marketsOf(req.params.campaignId));
        },
      },
      {
        method: 'GET',
        pattern: '/campaigns/:campaignId/markets/:marketId',
        handle: (req: FakeRequest) => {
          campaignOr404(req.params.campaignId);
          const market = markets.get(req.params.campaignId)?.get(req.params.marketId);
          if (!market) {
            throw new FakeHttpError(404, 'marketNotFound', `market ${req.params.marketId} not found`);
          }
          return ok(req, market);
        },
      },
    ],
    state: () => ({ campaigns: [...campaigns.values()].map((c) => ({ ...c, markets: marketsOf(c.id) })) }),
    resetState: () => {
      campaigns.clear();
      markets.clear();
    },
    actions: {
      seed: (body) => {
        check(isObject(body) && Array.isArray(body.campaigns), 'invalidSeed', 'seed body is { campaigns: [...] }');
        for (const c of body.campaigns) {
          check(isObject(c) && typeof c.id === 'string', 'invalidSeed', 'each campaign needs an id');
          seedCampaign(c as FakeCampaign);
        }
        return { campaigns: campaigns.size };
      },
    },
  });
  return extendFake(server, { seedCampaign, seedMarket, hasCampaign: (id: string) => campaigns.has(id) });
}
