/**
 * Runs selection-step-fn, the ASL file Terraform deploys, with aws-local-stepfunctions. The
 * `${enqueueMarketSelections}` placeholder (Terraform templatefile) becomes a local ARN and the
 * task runs `handler` in process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { StateMachine } from 'aws-local-stepfunctions';

const ASL_PATH = path.resolve(__dirname, '../../../terraform/stacks/selection/selection-step-fn.asl.json');
const LOCAL_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:enqueueMarketSelections';

export interface SelectionExecution {
  /** The execution's output; rejects with an ExecutionError whose `cause` is the Fail state's error. */
  result: Promise<unknown>;
  /** Inputs the task was invoked with, in order. */
  invocations: unknown[];
}

/** Starts one execution of selection-step-fn with `input`, its task handled by `handler`. */
export function startSelection(
  input: Record<string, string | number>,
  handler: (event: unknown) => Promise<unknown>,
): SelectionExecution {
  const definition: StateMachineDefinition = JSON.parse(
    readFileSync(ASL_PATH, 'utf8').replace('${enqueueMarketSelections}', LOCAL_ARN),
  );
  const invocations: unknown[] = [];
  const execution = new StateMachine(definition).run(input, {
    overrides: {
      taskResourceLocalHandlers: {
        EnqueueMarketSelections: async (event: unknown) => {
          invocations.push(event);
          // Through JSON, as a Lambda payload travels.
          return JSON.parse(JSON.stringify(await handler(event)));
        },
      },
    },
  });
  return { result: execution.result, invocations };
}
