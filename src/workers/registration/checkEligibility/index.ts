import { getConfig } from '../../../shared/config';
import type { Logger } from '../../../shared/runtime';
import { appSyncHandler } from '../../../shared/runtime';
import { campaignCache } from '../../../shared/wiring/campaigns';
import { demandTable } from '../../../shared/wiring/aws';
import type { EligibilityDeps } from './checkEligibility';
import { checkEligibility } from './checkEligibility';
import type { IdvVerifier } from './idvToken';
import { createIdvVerifier } from './idvToken';
import { parseEligibilityInput } from './input';
import type { EligibilityResult } from './types';

const WORKER = 'checkEligibility';

let idvVerifier: IdvVerifier | undefined;

function deps(log: Logger): EligibilityDeps {
  const { eligibility } = getConfig();
  idvVerifier ??= createIdvVerifier(eligibility.idv);
  const table = demandTable();
  return {
    getCampaign: async (slug) => (await campaignCache(log).getBySlug(slug)).campaign,
    getInvite: table.getInvite,
    getEntry: table.getEntry,
    verifyIdv: idvVerifier,
    allowPreview: eligibility.allowPreview,
    now: () => new Date(),
    log,
  };
}

/** AppSync pipeline function run before `upsertEntry`: may this fan register this entry? */
export const handler = appSyncHandler<EligibilityResult>({
  worker: WORKER,
  process: (payload, ctx) => checkEligibility(parseEligibilityInput(payload), deps(ctx.log)),
  onError: () => ({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' }),
  summary: (result) => ({ isEligible: result.isEligible, reason: result.reason, campaignId: result.campaignId }),
});
