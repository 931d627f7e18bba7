import type { Campaign } from '../../../shared/domain/campaign';
import type { Logger } from '../../../shared/runtime';
import { QUOTE_MAX_CHARS, truncateText } from '../../../shared/runtime';
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
  /** Called once per configuration error met (after its error line), so the invocation can count it. */
  onConfigurationError?: (problem: string) => void;
}

/**
 * The error line of a campaign with an idv gate in a deployment without a usable IDV issuer key:
 * every fan of such a campaign is refused (IDV_REQUIRED) until the environment's key is set
 * (Terraform variable idv_public_key → IDV_PUBLIC_KEY → eligibility.idv.publicKey). A fixed
 * message, so a log query or metric filter can count it.
 */
export const IDV_KEY_MISSING = 'configuration error: idv gate with no usable eligibility.idv.publicKey configured';

/**
 * Decides whether a fan may submit this entry (DOMAIN.md 4.1): campaign open, every gate
 * passed, every preference valid. Errors propagate; the handler turns them into
 * INTERNAL_SERVER_ERROR.
 */
export async function checkEligibility(input: EligibilityInput, deps: EligibilityDeps): Promise<EligibilityResult> {
  const campaign = await deps.getCampaign(input.slug);
  const state = validateCampaign(campaign, deps.now(), deps.allowPreview);
  if (!state.open) {
    deps.log.info('not eligible', {
      slug: truncateText(input.slug, QUOTE_MAX_CHARS),
      reason: state.reason,
      detail: state.detail,
    });
    return campaign
      ? { isEligible: false, reason: state.reason, campaignId: campaign.id }
      : { isEligible: false, reason: state.reason };
  }
  const campaignId = state.campaign.id;

  const gate = await checkGate(state.campaign.options?.gate, { campaignId, ...input }, deps);
  if (!gate.eligible) {
    if (gate.configurationError !== undefined) {
      deps.log.error(IDV_KEY_MISSING, {
        campaignId,
        gate: 'idv',
        problem: gate.configurationError,
        fix: 'set the Terraform variable idv_public_key of this environment (IDV_PUBLIC_KEY on checkEligibility)',
      });
      deps.onConfigurationError?.(gate.configurationError);
    }
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
