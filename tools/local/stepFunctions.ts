/**
 * State machine executions with `aws-local-stepfunctions`, on the same ASL definitions
 * Terraform deploys (templatefile already put the function ARNs in). Task states whose resource
 * is a Lambda function ARN, or `arn:aws:states:::lambda:invoke`, run the local function
 * through its local handler override; a function error becomes the state's error (errorType as
 * the error name), so Retry and Catch behave as in AWS.
 */
import { randomUUID } from 'node:crypto';
import { StateMachine as AslStateMachine } from 'aws-local-stepfunctions';
import type { FunctionHost } from './lambda/host';
import type { StateMachine } from './wiring/model';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  /** Who started it: `events:<rule>`, `api`, `scenario`. */
  startedBy: string;
  done: Promise<Execution>;
}

type Handler = (input: unknown) => Promise<unknown>;

/** The task handlers of a definition, by state name (Map and Parallel states searched too). */
function taskHandlers(definition: Record<string, unknown>, host: FunctionHost, source: string): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  const invoke = async (functionRef: string, input: unknown): Promise<unknown> => {
    const outcome = await host.invoke(functionRef, input, source);
    if (!outcome.ok) {
      throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
    }
    return outcome.payload;
  };
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const resource = String(state.Resource);
        if (/^arn:aws:lambda:[^:]*:[^:]*:function:/.test(resource)) {
          handlers[name] = (input) => invoke(resource, input);
        } else if (resource === 'arn:aws:states:::lambda:invoke') {
          handlers[name] = async (input) => {
            const { FunctionName, Payload } = input as { FunctionName: string; Payload?: unknown };
            return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: await invoke(FunctionName, Payload ?? {}) };
          };
        } else {
          throw new Error(`state ${name}: task resource ${resource} is not supported by the local runtime`);
        }
      }
      for (const nested of [state.Iterator, state.ItemProcessor, ...((state.Branches as unknown[]) ?? [])]) {
        if (nested && typeof nested === 'object') {
          visit((nested as { States: Record<string, Record<string, unknown>> }).States);
        }
      }
    }
  };
  visit(definition.States as Record<string, Record<string, unknown>>);
  return handlers;
}

/** The state machines of a local run and their executions. */
export class StepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly machines: { model: StateMachine; asl: AslStateMachine }[];

  constructor(
    machines: StateMachine[],
    private readonly host: FunctionHost,
    private readonly now: () => number,
  ) {
    this.machines = machines.map((model) => ({ model, asl: new AslStateMachine(model.definition as never) }));
  }

  machine(ref: string): StateMachine {
    const found = this.machines.find((m) => m.model.arn === ref || m.model.name === ref);
    if (!found) {
      throw Object.assign(new Error(`State Machine Does Not Exist: '${ref}'`), { name: 'StateMachineDoesNotExist' });
    }
    return found.model;
  }

  list(): StateMachine[] {
    return this.machines.map((m) => m.model);
  }

  /** Starts an execution; it runs in the background (await `done` to wait for it). */
  start(ref: string, input: unknown, startedBy: string, name: string = randomUUID()): Execution {
    const machine = this.machine(ref);
    const { asl } = this.machines.find((m) => m.model === machine)!;
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn)) {
      throw Object.assign(new Error(`Execution Already Exists: '${executionArn}'`), { name: 'ExecutionAlreadyExists' });
    }
    const startDate = this.now();
    const execution = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input: JSON.stringify(input ?? {}),
      startDate,
      startedBy,
    } as Execution;
    const run = asl.run((input ?? {}) as never, {
      overrides: { taskResourceLocalHandlers: taskHandlers(machine.definition, this.host, `states:${machine.name}`) as never },
      context: {
        Execution: { Id: executionArn, Input: input ?? {}, Name: name, StartTime: new Date(startDate).toISOString(), RoleArn: '' },
        StateMachine: { Id: machine.arn, Name: machine.name },
      } as never,
    });
    execution.done = run.result.then(
      (output: unknown) => Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null), stopDate: this.now() }),
      (error: Error & { cause?: Error }) => {
        const failure = error.cause ?? error;
        return Object.assign(execution, {
          status: 'FAILED',
          error: failure.name === 'Error' ? error.name : failure.name,
          cause: failure.message,
          stopDate: this.now(),
        });
      },
    );
    this.executions.set(executionArn, execution);
    return execution;
  }

  describe(executionArn: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution) {
      throw Object.assign(new Error(`Execution Does Not Exist: '${executionArn}'`), { name: 'ExecutionDoesNotExist' });
    }
    return execution;
  }

  all(): Execution[] {
    return [...this.executions.values()];
  }

  running(): number {
    return this.all().filter((e) => e.status === 'RUNNING').length;
  }
}
