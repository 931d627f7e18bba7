import type { Market } from '../domain/campaign';
import type { ServiceClient } from './http';
import { segment } from './http';

/** The fields of a Campaign Service campaign the workers read (DOMAIN 2.1); others pass through. */
export interface CampaignDocument {
  id: string;
  status?: string;
  domain?: { site?: string };
  date?: Record<string, unknown>;
  /** Campaign Service markets are the markets collection's documents (DOMAIN 2.2). */
  markets?: Market[];
  options?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface CampaignService {
  /** The campaign, or null when Campaign Service does not know it. */
  getCampaign(campaignId: string): Promise<CampaignDocument | null>;
  /** One market of a campaign, or null when unknown. */
  getMarket(campaignId: string, marketId: string): Promise<Market | null>;
  /** All markets of a campaign (empty when the campaign is unknown). */
  getMarkets(campaignId: string): Promise<Market[]>;
}

const FOUND_OR_MISSING = [200, 404] as const;

/** Campaign Service client (campaigns and markets by id). */
export function createCampaignService(client: ServiceClient): CampaignService {
  const getOrNull = async <T>(path: string): Promise<T | null> => {
    const res = await client.send<T>('GET', path, { expectedStatuses: FOUND_OR_MISSING });
    return res.status === 404 ? null : res.data;
  };
  return {
    getCampaign: async (campaignId) => getOrNull<CampaignDocument>(`/campaigns/${segment(campaignId, 'campaignId')}`),
    getMarket: async (campaignId, marketId) =>
      getOrNull<Market>(`/campaigns/${segment(campaignId, 'campaignId')}/markets/${segment(marketId, 'marketId')}`),
    getMarkets: async (campaignId) =>
      (await getOrNull<Market[]>(`/campaigns/${segment(campaignId, 'campaignId')}/markets`)) ?? [],
  };
}
