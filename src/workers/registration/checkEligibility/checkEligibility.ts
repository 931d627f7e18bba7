import type { Campaign } from '../../../shared/domain/campaign';
import type { Logger } from '../../../shared/runtime';
import { validateCampaign } from './campaign';
import { validateEntry } from './entry';
import type { GateDeps } from './gates';
import { checkGate } from './gates';
import type { EligibilityInput, EligibilityResult } from './types';

export interface EligibilityDeps extends GateDeps {
  /** The campaign with this slug (Redis cache, MongoDB fallback), or undefined. */
  getCampaign(slug: string): Promise<Campaign | undefined>;
  allowPreview: boolean;
  log: Logger;
}

/**
 * Decides whether a fan may submit this entry (DOMAIN.md 4.1): campaign open, every gate
 * passed, every preference valid. Errors propagate; the handler turns them into
 * INTERNAL_SERVER_ERROR.
 */
export async function checkEligibility(input: EligibilityInput, deps: EligibilityDeps): Promise<EligibilityResult> {
  const campaign = await deps.getCampaign(input.slug);
  const state = validateCampaign(campaign, deps.now(), deps.allowPreview);
  if (!state.open) {
    deps.log.info('not eligible', { slug: input.slug, reason: state.reason, detail: state.detail });
    return campaign
      ? { isEligible: false, reason: state.reason, campaignId: campaign.id }
      : { isEligible: false, reason: state.reason };
  }
  const campaignId = state.campaign.id;

  const gate = await checkGate(state.campaign.options?.gate, { campaignId, ...input }, deps);
  if (!gate.eligible) {
    deps.log.info('not eligible', { campaignId, reason: gate.reason, detail: gate.detail });
    return { isEligible: false, reason: gate.reason, campaignId };
  }

  const entry = validateEntry(state.campaign, input.entry);
  if (!entry.valid) {
    deps.log.info('not eligible', { campaignId, reason: 'INVALID_ENTRY', field: entry.field, message: entry.message });
    return {
      isEligible: false,
      reason: 'INVALID_ENTRY',
      campaignId,
      detail: { field: entry.field, message: entry.message },
    };
  }
  return {
    isEligible: true,
    campaignId,
    fields: entry.fields,
    ...(gate.linkedCampaignId ? { linkedCampaignId: gate.linkedCampaignId } : {}),
  };
}
