/**
 * Runs selection-step-fn, the ASL file Terraform deploys, with aws-local-stepfunctions. The
 * `${enqueueMarketSelections}` placeholder (Terraform templatefile) becomes a local ARN and every
 * task naming it (EnqueueMarketSelections, ReportFailure) runs `handler` in process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { StateMachine } from 'aws-local-stepfunctions';

const ASL_PATH = path.resolve(__dirname, '../../../terraform/stacks/selection/selection-step-fn.asl.json');
const PLACEHOLDER = '${enqueueMarketSelections}';
const LOCAL_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:enqueueMarketSelections';

export interface SelectionExecution {
  /** The execution's output; rejects with an ExecutionError whose `cause` is the Fail state's error. */
  result: Promise<unknown>;
  /** Inputs the function was invoked with, in order (pages and failure reports). */
  invocations: unknown[];
  /** The task state of each invocation, in the same order. */
  states: string[];
}

export interface SelectionOptions {
  /**
   * TimeoutSeconds of the EnqueueMarketSelections task instead of the file's (960 s), so a test
   * can see the executor give up on a page (States.Timeout) in seconds.
   */
  pageTimeoutSeconds?: number;
}

/** Starts one execution of selection-step-fn with `input`, its tasks handled by `handler`. */
export function startSelection(
  input: Record<string, string | number>,
  handler: (event: unknown) => Promise<unknown>,
  options: SelectionOptions = {},
): SelectionExecution {
  const text = readFileSync(ASL_PATH, 'utf8');
  const definition = JSON.parse(text.split(PLACEHOLDER).join(LOCAL_ARN)) as StateMachineDefinition & {
    States: Record<string, { Type: string; Resource?: string; TimeoutSeconds?: number }>;
  };
  if (options.pageTimeoutSeconds !== undefined) {
    definition.States.EnqueueMarketSelections.TimeoutSeconds = options.pageTimeoutSeconds;
  }
  const invocations: unknown[] = [];
  const states: string[] = [];
  const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task' && s.Resource === LOCAL_ARN);
  const execution = new StateMachine(definition).run(input, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        tasks.map(([name]) => [
          name,
          async (event: unknown) => {
            invocations.push(event);
            states.push(name);
            // Through JSON, as a Lambda payload travels.
            return JSON.parse(JSON.stringify(await handler(event)));
          },
        ]),
      ),
    },
  });
  return { result: execution.result, invocations, states };
}
