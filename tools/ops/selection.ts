/**
 * `ops selection restart --campaign C --market M --date D [--count N]`: starts selection-step-fn
 * again for one market (DOMAIN.md 9.2 runbook 6; docs/selection.md "Runbook: a market stuck in
 * PROCESSING"), with the input the state machine documents: `{ campaignId, marketId, dateId,
 * selectionCount? }`, checked by the worker's own parser before anything is started. Fans who
 * already got their code are skipped by the run, so a restart selects only what is missing.
 *
 * It refuses while an execution for the same campaign and market is RUNNING: that market is not
 * stuck (a page may take up to 900 s), and two runs would reserve codes twice. The check reads
 * the input of every running execution; two operators starting at the same moment can still
 * both pass it.
 */
import { randomBytes } from 'node:crypto';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SelectionRequest } from '../../src/workers/selection/enqueueMarketSelections/input';
import { parseSelectionRequest } from '../../src/workers/selection/enqueueMarketSelections/input';
import { CliError, usageError } from '../build/toolCli';
import type { Verb, VerbContext } from './cli';
import { TOOL, positiveInt, requiredText } from './cli';
import type { Target } from './target';
import { shortName } from './target';

/** How the model's selection state machine is named: `<prefix>-selection-step-fn`. */
export const SELECTION_STATE_MACHINE_SUFFIX = 'selection-step-fn';

export interface RestartResult {
  stateMachineArn: string;
  input: SelectionRequest;
  dryRun: boolean;
  /** Absent on a dry run. */
  executionArn?: string;
  startDate?: string;
}

/** The deployed ARN of a state machine, found by name with ListStateMachines (tfvars may hold placeholder account ids). */
export async function stateMachineArn(target: Pick<Target, 'sfn'>, name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await target.sfn.send(new ListStateMachinesCommand({ nextToken }));
    const found = (page.stateMachines ?? []).find((sm) => sm.name === name);
    if (found?.stateMachineArn) {
      return found.stateMachineArn;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** RUNNING executions of `arn` whose input names this campaign and market. */
export async function runningFor(
  target: Pick<Target, 'sfn'>,
  arn: string,
  request: Pick<SelectionRequest, 'campaignId' | 'marketId'>,
): Promise<{ executionArn: string; startDate?: Date }[]> {
  const out: { executionArn: string; startDate?: Date }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await target.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }),
    );
    for (const execution of page.executions ?? []) {
      if (execution.status !== 'RUNNING' || !execution.executionArn) {
        continue;
      }
      // ListExecutions gives no input; DescribeExecution does (and its status is the current one).
      const described = await target.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(described.input ?? '{}') as Record<string, unknown>;
      } catch {
        // Not JSON: not one of ours to compare.
      }
      if (
        described.status === 'RUNNING' &&
        input.campaignId === request.campaignId &&
        input.marketId === request.marketId
      ) {
        out.push({ executionArn: execution.executionArn, startDate: described.startDate });
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** The state machine input from the options, checked by the worker's parser: a usage error when it would refuse it. */
function requestOf(values: VerbContext['values']): SelectionRequest {
  const input: Record<string, unknown> = {
    campaignId: requiredText(values, 'campaign'),
    marketId: requiredText(values, 'market'),
    dateId: requiredText(values, 'date'),
  };
  if (values.count !== undefined) {
    input.selectionCount = positiveInt(values.count, '--count', 1);
  }
  try {
    return parseSelectionRequest(input);
  } catch (error) {
    throw usageError(`enqueueMarketSelections would refuse this input: ${(error as Error).message}`, TOOL);
  }
}

/** An execution name (1-80 of [A-Za-z0-9_-]) that says who started it, for which market, and when. */
function executionName(request: SelectionRequest): string {
  const part = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24);
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  return `ops-${part(request.campaignId)}-${part(request.marketId)}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function restart(ctx: VerbContext): Promise<RestartResult> {
  const { target } = ctx;
  const request = requestOf(ctx.values);
  const machine = target.model.stateMachines.find((sm) => sm.name.endsWith(SELECTION_STATE_MACHINE_SUFFIX));
  if (!machine) {
    throw new CliError(`this environment's stacks have no state machine named *-${SELECTION_STATE_MACHINE_SUFFIX}`);
  }
  const arn = await stateMachineArn(target, machine.name);
  if (!arn) {
    throw new CliError(`${machine.name} is not deployed in ${target.env} (ListStateMachines does not list it)`);
  }
  const running = await runningFor(target, arn, request);
  if (running.length > 0) {
    throw new CliError(
      `an execution for campaign ${request.campaignId} market ${request.marketId} is still RUNNING: ${running
        .map((r) => `${r.executionArn}${r.startDate ? ` (started ${r.startDate.toISOString()})` : ''}`)
        .join(
          ', ',
        )}. A running market is not stuck (a page may take up to 900 s): wait for it, or stop it first if it really hangs. Nothing started.`,
    );
  }
  if (ctx.dryRun) {
    return { stateMachineArn: arn, input: request, dryRun: true };
  }
  await ctx.confirm(
    `start ${shortName(target, machine.name)} for campaign ${request.campaignId} market ${request.marketId} (${JSON.stringify(request)})`,
  );
  const started = await target.sfn.send(
    new StartExecutionCommand({ stateMachineArn: arn, name: executionName(request), input: JSON.stringify(request) }),
  );
  return {
    stateMachineArn: arn,
    input: request,
    dryRun: false,
    executionArn: started.executionArn,
    startDate: started.startDate?.toISOString(),
  };
}

export const SELECTION_RESTART_VERB: Verb = {
  name: 'selection restart',
  args: [],
  summary: "start a market's selection again (a failed run, stats stuck in PROCESSING)",
  help: `  --campaign ID     the campaign; required
  --market ID       the market; required
  --date ID         the run's dateId (its stats record; the failed execution's input has it); required
  --count N         select at most N more winners (selectionCount; default every eligible fan)

Starts selection-step-fn with { campaignId, marketId, dateId, selectionCount? }, the input its
ASL documents. Fans who already hold a code for the market are skipped, so a restart after a
capped run that failed half-way takes --count minus the winners already selected. Refuses
(exit 1, nothing started) while an execution for the same campaign and market is RUNNING.
Check the failed execution's history first (its input holds the request; docs/selection.md).`,
  options: {
    campaign: { type: 'string' },
    market: { type: 'string' },
    date: { type: 'string' },
    count: { type: 'string' },
  },
  changes: true,
  async run(ctx) {
    const result = await restart(ctx);
    if (ctx.json) {
      ctx.io.out(JSON.stringify(result));
    } else if (result.dryRun) {
      ctx.io.out(
        `dry run: would start ${result.stateMachineArn} with ${JSON.stringify(result.input)} (no execution for this market is running); nothing started`,
      );
    } else {
      ctx.io.out(`started ${result.executionArn}`);
      ctx.io.out(`input ${JSON.stringify(result.input)}`);
    }
    return 0;
  },
};
