import type { Context } from 'aws-lambda';
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

function deps(log: Logger, onConfigurationError: (problem: string) => void): EligibilityDeps {
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
    onConfigurationError,
  };
}

/** The answer for AppSync, and how many configuration errors the invocation met (for its summary line). */
interface Answered {
  answer: EligibilityResult;
  configurationErrors: number;
}

const invoke = appSyncHandler<Answered>({
  worker: WORKER,
  process: async (payload, ctx) => {
    let configurationErrors = 0;
    const answer = await checkEligibility(
      parseEligibilityInput(payload),
      deps(ctx.log, () => {
        configurationErrors += 1;
      }),
    );
    return { answer, configurationErrors };
  },
  onError: () => ({ answer: { isEligible: false, reason: 'INTERNAL_SERVER_ERROR' }, configurationErrors: 0 }),
  summary: ({ answer, configurationErrors }) => ({
    isEligible: answer.isEligible,
    reason: answer.reason,
    campaignId: answer.campaignId,
    configurationErrors,
  }),
});

/** AppSync pipeline function run before `upsertEntry`: may this fan register this entry? */
export const handler = async (event: unknown, context?: Context): Promise<EligibilityResult> =>
  (await invoke(event, context)).answer;
