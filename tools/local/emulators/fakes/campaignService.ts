import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest, FakeResponse } from './server';
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

/** The seeded campaigns, and their markets by campaign. */
interface CampaignState {
  readonly campaigns: Map<string, FakeCampaign>;
  readonly markets: Map<string, Map<string, FakeMarket>>;
}

/** A fake of Campaign Service's campaign and market reads, over campaigns you seed. */
export function createCampaignServiceFake(options: { publicKey?: string | KeyObject } = {}): CampaignServiceFake {
  const state: CampaignState = { campaigns: new Map(), markets: new Map() };
  const { campaigns, markets } = state;

  const server = createFakeServer({
    name: 'campaigns',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [
      { method: 'GET', pattern: '/campaigns/:campaignId', handle: (req) => getCampaign(state, req) },
      { method: 'GET', pattern: '/campaigns/:campaignId/markets', handle: (req) => listMarkets(state, req) },
      { method: 'GET', pattern: '/campaigns/:campaignId/markets/:marketId', handle: (req) => getMarket(state, req) },
    ],
    state: () => ({ campaigns: [...campaigns.values()].map((c) => ({ ...c, markets: marketsOf(state, c.id) })) }),
    resetState: () => {
      campaigns.clear();
      markets.clear();
    },
    actions: { seed: (body) => seed(state, body) },
  });
  return extendFake(server, {
    seedCampaign: (campaign: FakeCampaign & { markets?: FakeMarket[] }) => seedCampaign(state, campaign),
    seedMarket: (market: FakeMarket) => seedMarket(state, market),
    hasCampaign: (id: string) => campaigns.has(id),
  });
}

function seedMarket(state: CampaignState, market: FakeMarket): void {
  check(
    state.campaigns.has(market.campaign_id),
    'campaignNotFound',
    `seed campaign ${market.campaign_id} before its markets`,
  );
  state.markets.get(market.campaign_id)!.set(market.id, structuredClone(market));
}

function seedCampaign(
  state: CampaignState,
  { markets: list = [], ...campaign }: FakeCampaign & { markets?: FakeMarket[] },
): void {
  state.campaigns.set(campaign.id, structuredClone(campaign));
  state.markets.set(campaign.id, new Map());
  list.forEach((m) => seedMarket(state, { ...m, campaign_id: campaign.id }));
}

/** `POST /_fake/seed { campaigns: [...] }`. */
function seed(state: CampaignState, body: unknown) {
  check(isObject(body) && Array.isArray(body.campaigns), 'invalidSeed', 'seed body is { campaigns: [...] }');
  for (const c of body.campaigns) {
    check(isObject(c) && typeof c.id === 'string', 'invalidSeed', 'each campaign needs an id');
    seedCampaign(state, c as FakeCampaign);
  }
  return { campaigns: state.campaigns.size };
}

function campaignOr404(state: CampaignState, campaignId: string): FakeCampaign {
  const campaign = state.campaigns.get(campaignId);
  if (!campaign) {
    throw new FakeHttpError(404, 'campaignNotFound', `campaign ${campaignId} not found`);
  }
  return campaign;
}

function marketsOf(state: CampaignState, campaignId: string): FakeMarket[] {
  return [...(state.markets.get(campaignId)?.values() ?? [])];
}

/** `GET /campaigns/:campaignId`: the campaign with its markets. */
function getCampaign(state: CampaignState, req: FakeRequest): FakeResponse {
  return ok(req, { ...campaignOr404(state, req.params.campaignId), markets: marketsOf(state, req.params.campaignId) });
}

/** `GET /campaigns/:campaignId/markets`. */
function listMarkets(state: CampaignState, req: FakeRequest): FakeResponse {
  campaignOr404(state, req.params.campaignId);
  return ok(req, marketsOf(state, req.params.campaignId));
}

/** `GET /campaigns/:campaignId/markets/:marketId`. */
function getMarket(state: CampaignState, req: FakeRequest): FakeResponse {
  campaignOr404(state, req.params.campaignId);
  const market = state.markets.get(req.params.campaignId)?.get(req.params.marketId);
  if (!market) {
    throw new FakeHttpError(404, 'marketNotFound', `market ${req.params.marketId} not found`);
  }
  return ok(req, market);
}
