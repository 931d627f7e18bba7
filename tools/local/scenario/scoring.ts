/**
 * 4. Entry Service (played here) scores the replicated entries and asks for a few score retries
 * (retry-score → retryScore); registration closes. Hands the scoring records (one per replicated
 * entry, with the markets the fan chose) to the selection.
 */
import type { FakeScoringRecord } from '../emulators/fakes';
import type { Fan, ScenarioSeed } from './campaign';
import type { ScenarioContext } from './context';

/** Scores the replicated entries, sends the score retries, closes registration and waits for the retries. */
export async function score(
  ctx: ScenarioContext,
  { campaignId, campaign, marketDocs }: ScenarioSeed,
  eligible: Fan[],
): Promise<FakeScoringRecord[]> {
  const { fakes, iso } = ctx;
  const scoring = scoreEntries(ctx, campaignId, eligible);
  fakes.entries.seedScoring(campaignId, scoring);
  await ctx.sendToQueue(
    'retry-score',
    eligible
      .filter((_, i) => i % 10 === 0)
      .map((f) => ({ campaignId, userId: f.userId, globalUserId: f.globalUserId })),
  );
  await ctx.campaigns.updateOne({ id: campaignId }, { $set: { status: 'CLOSED', 'date.updated': iso() } });
  fakes.campaigns.seedCampaign({ ...campaign, status: 'CLOSED', markets: marketDocs });
  await ctx.settle('score retries');
  return scoring;
}

/** A random score for each eligible fan whose entry Entry Service holds, for the markets of that entry. */
function scoreEntries(ctx: ScenarioContext, campaignId: string, eligible: Fan[]): FakeScoringRecord[] {
  const scoring: FakeScoringRecord[] = [];
  for (const fan of eligible) {
    const entry = ctx.fakes.entries.entries.get(`${campaignId}:${fan.userId}`) as
      { fields?: { markets?: string[] } } | undefined;
    if (entry) {
      scoring.push({
        userId: fan.userId,
        globalUserId: fan.globalUserId,
        email: fan.email,
        phone: fan.phone,
        name: { first: fan.firstName, last: fan.lastName },
        score: Math.round(ctx.rnd() * 1000) / 10,
        verdict: true,
        locale: fan.locale,
        marketIds: entry.fields?.markets ?? fan.markets,
      });
    }
  }
  return scoring;
}
