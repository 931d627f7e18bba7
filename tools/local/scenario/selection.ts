/**
 * 5. Selection, one market after another (each run reserves codes, then releases what it did not
 * use): one selection-step-fn execution per market (enqueueMarketSelections → save-selection →
 * saveSelections → verdict on the entry → stream → markAssignedCodes → Code Service). Hands the
 * number of fans to select per market to the invariants. Then a Campaign-Service-style refresh of
 * one market (refresh-selection → refreshSelections); its market and the count of Entry Service
 * requests before it go to the invariants too.
 */
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { FakeScoringRecord } from '../emulators/fakes';
import { currentTrace, withSpan } from '../../../src/shared/runtime/tracing';
import type { LocalRuntime } from '../runtime';
import type { MarketDoc, ScenarioSeed } from './campaign';
import type { ScenarioContext } from './context';

/** The ARN of the selection state machine. */
export const selectionArn = (rt: LocalRuntime) =>
  rt.model.stateMachines.find((s) => s.name.endsWith('selection-step-fn'))!.arn;

/** Runs the selection of every market in turn; the number of fans each should select, by market id. */
export async function select(
  ctx: ScenarioContext,
  seed: ScenarioSeed,
  scoring: FakeScoringRecord[],
): Promise<Map<string, number>> {
  const selectionCounts = new Map<string, number>();
  for (const market of seed.marketDocs) {
    const interested = scoring.filter((s) => s.marketIds.includes(market.id)).length;
    const selectionCount = Math.max(1, Math.floor(interested * 0.6));
    selectionCounts.set(market.id, Math.min(selectionCount, interested));
    const done = await selectMarket(ctx, seed.campaignId, market, selectionCount);
    ctx.log(
      `  ${market.name}: ${done.status}${done.error ? ` (${done.error}: ${done.cause})` : ''}, ${selectionCount} of ${interested} to select`,
    );
  }
  await ctx.settle('code assignment and verdicts');
  return selectionCounts;
}

/** One selection-step-fn execution, in its own trace: the execution's input carries it to enqueueMarketSelections. */
function selectMarket(ctx: ScenarioContext, campaignId: string, market: MarketDoc, selectionCount: number) {
  const { rt } = ctx;
  return withSpan(
    'select market',
    { 'market.id': market.id },
    async () => {
      const { traceparent } = currentTrace();
      ctx.traces.selection ??= { traceId: traceparent.slice(3, 35), market: market.name };
      const execution = rt.stepFunctions.start(
        selectionArn(rt),
        { campaignId, marketId: market.id, dateId: 'presale', selectionCount, traceparent },
        'scenario',
      );
      return execution.done;
    },
    { parent: ROOT_CONTEXT, kind: SpanKind.PRODUCER },
  );
}

/** The market a refresh re-sends, and how many requests Entry Service had before it. */
export interface Refresh {
  market: MarketDoc;
  assignmentsBefore: number;
}

/** The refresh to come: of the first market, counting Entry Service's requests from now. */
export function refreshOf(ctx: ScenarioContext, seed: ScenarioSeed): Refresh {
  return { market: seed.marketDocs[0], assignmentsBefore: ctx.fakes.entries.requests.length };
}

/** Asks for a selection refresh of the market, as Campaign Service does, and waits for it. */
export async function refreshSelection(ctx: ScenarioContext, campaignId: string, { market }: Refresh): Promise<void> {
  await ctx.sendToQueue('refresh-selection', [{ campaignId, marketId: market.id }]);
  await ctx.settle('selection refresh');
}
