/**
 * State machine executions with `aws-local-stepfunctions`, on the same ASL definitions
 * Terraform deploys (templatefile already put the function ARNs in). Task states whose resource
 * is a Lambda function ARN, or `arn:aws:states:::lambda:invoke`, run the local function
 * through its local handler override; a function error becomes the state's error (errorType as
 * the error name), so Retry and Catch behave as in AWS.
 *
 * Each execution keeps its history in AWS's shape (GetExecutionHistory): the ExecutionStarted,
 * `<Type>StateEntered`/`<Type>StateExited` and MapIteration events come from the library's
 * event log; a Lambda task adds LambdaFunctionScheduled/Started/Succeeded/Failed (a function ARN
 * resource) or TaskScheduled/Started/Succeeded/Failed (`lambda:invoke`); the last event is
 * ExecutionSucceeded, ExecutionFailed or ExecutionAborted. `stop` aborts a RUNNING execution;
 * stopping one that has finished changes nothing (AWS answers that call with success as well).
 * The machines have no role locally: `roleArn` is a plausible one named after the machine.
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
  /** The execution's events, oldest first. */
  history: HistoryEvent[];
  done: Promise<Execution>;
}

/** An event of an execution's history, as GetExecutionHistory gives it (timestamp in local ms), with its `<kind>EventDetails` member. */
export type HistoryEvent = { id: number; previousEventId: number; timestamp: number; type: string } & Record<string, unknown>;

type Handler = (input: unknown) => Promise<unknown>;
/** An event of the library's event log (its type is not exported). */
type EventLog = ReturnType<AslStateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
/** Adds an event to an execution's history; `key` names its details member (`lambdaFunctionScheduledEventDetails` by default). */
type Emit = (type: string, details?: Record<string, unknown>, key?: string) => void;

const json = (value: unknown) => JSON.stringify(value ?? null);
const NOT_TRUNCATED = { truncated: false };

/** The role an execution runs as: the model has none, so one named after the machine, in its account. */
export const roleArnOf = (machine: StateMachine): string => `arn:aws:iam::${machine.arn.split(':')[4]}:role/service-role/StepFunctions-${machine.name}-role`;

/**
 * The task handlers of a definition, by state name (Map and Parallel states searched too). Each
 * Lambda call adds its events to the history: LambdaFunction* for a function ARN resource, Task*
 * (resourceType lambda, resource invoke) for `arn:aws:states:::lambda:invoke`.
 */
function taskHandlers(definition: Record<string, unknown>, host: FunctionHost, source: string, emit: Emit, region: string): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  const call = async (direct: boolean, functionRef: string, payload: unknown, input: unknown, result: (output: unknown) => unknown): Promise<unknown> => {
    // The library's event log delivers the state's entered event a few microtasks later: let it go first.
    await new Promise((resolve) => setImmediate(resolve));
    const kind = direct ? 'LambdaFunction' : 'Task';
    const task = direct ? {} : { resourceType: 'lambda', resource: 'invoke' };
    emit(`${kind}Scheduled`, direct ? { resource: functionRef, input: json(input), inputDetails: NOT_TRUNCATED } : { ...task, region, parameters: json(input) });
    emit(`${kind}Started`, direct ? undefined : task);
    const outcome = await host.invoke(functionRef, payload, source);
    if (!outcome.ok) {
      emit(`${kind}Failed`, { ...task, error: outcome.error.errorType, cause: outcome.error.errorMessage });
      throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
    }
    const output = result(outcome.payload);
    emit(`${kind}Succeeded`, { ...task, output: json(output), outputDetails: NOT_TRUNCATED });
    return output;
  };
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const resource = String(state.Resource);
        if (/^arn:aws:lambda:[^:]*:[^:]*:function:/.test(resource)) {
          handlers[name] = (input) => call(true, resource, input, input, (payload) => payload);
        } else if (resource === 'arn:aws:states:::lambda:invoke') {
          handlers[name] = (input) => {
            const { FunctionName, Payload } = input as { FunctionName: string; Payload?: unknown };
            return call(false, FunctionName, Payload ?? {}, input, (payload) => ({ ExecutedVersion: '$LATEST', StatusCode: 200, Payload: payload }));
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

/** The history event of one of the library's events; undefined for those AWS has no event for (or that `done` writes). */
function historyEvent(event: EventLog): { type: string; key: string; details: Record<string, unknown> } | undefined {
  switch (event.type) {
    case 'ExecutionStarted':
      return { type: event.type, key: 'executionStartedEventDetails', details: { input: json(event.input), inputDetails: NOT_TRUNCATED } };
    case 'StateEntered':
      return { type: `${event.state.type}StateEntered`, key: 'stateEnteredEventDetails', details: { name: event.state.name, input: json(event.state.input), inputDetails: NOT_TRUNCATED } };
    case 'StateExited':
      return { type: `${event.state.type}StateExited`, key: 'stateExitedEventDetails', details: { name: event.state.name, output: json(event.state.output), outputDetails: NOT_TRUNCATED } };
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return { type: event.type, key: `${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`, details: { name: event.parentState.name, index: event.index } };
    default:
      return undefined;
  }
}

/** The state machines of a local run and their executions. */
export class StepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly machines: { model: StateMachine; asl: AslStateMachine }[];
  /** How to abort each running execution. */
  private readonly aborts = new Map<string, () => void>();
  /** When the machines were "created" (local time): when this run started. */
  readonly createdAt: number;

  constructor(
    machines: StateMachine[],
    private readonly host: FunctionHost,
    private readonly now: () => number,
  ) {
    this.machines = machines.map((model) => ({ model, asl: new AslStateMachine(model.definition as never) }));
    this.createdAt = now();
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
      history: [] as HistoryEvent[],
    } as Execution;
    let ended = false;
    const emit: Emit = (type, details, key = `${type[0].toLowerCase()}${type.slice(1)}EventDetails`) => {
      // A Lambda call still running when the execution was stopped ends after it: not part of its history.
      if (!ended) {
        const id = execution.history.length + 1;
        execution.history.push({ id, previousEventId: id - 1, timestamp: this.now(), type, ...(details ? { [key]: details } : {}) });
      }
    };
    const roleArn = roleArnOf(machine);
    const run = asl.run((input ?? {}) as never, {
      overrides: { taskResourceLocalHandlers: taskHandlers(machine.definition, this.host, `states:${machine.name}`, emit, machine.arn.split(':')[3]) as never },
      context: {
        Execution: { Id: executionArn, Input: input ?? {}, Name: name, StartTime: new Date(startDate).toISOString(), RoleArn: roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      } as never,
    });
    const logged = (async () => {
      for await (const event of run.eventLogs) {
        const e = historyEvent(event);
        if (e) {
          emit(e.type, e.type === 'ExecutionStarted' ? { ...e.details, roleArn } : e.details, e.key);
        }
      }
    })();
    this.aborts.set(executionArn, run.abort);
    execution.done = run.result
      .then(
        (output: unknown) => Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null), stopDate: this.now() }),
        (error: Error & { cause?: Error }) => {
          if (execution.status === 'ABORTED') {
            return execution;
          }
          const failure = error.cause ?? error;
          return Object.assign(execution, {
            status: 'FAILED',
            error: failure.name === 'Error' ? error.name : failure.name,
            cause: failure.message,
            stopDate: this.now(),
          });
        },
      )
      .then(async () => {
        this.aborts.delete(executionArn);
        // The library's event log ends with the execution: its last events go first, then the outcome.
        await logged;
        const { status, output, error, cause } = execution;
        if (status === 'SUCCEEDED') {
          emit('ExecutionSucceeded', { output, outputDetails: NOT_TRUNCATED });
        } else {
          emit(status === 'ABORTED' ? 'ExecutionAborted' : 'ExecutionFailed', { error, cause });
        }
        ended = true;
        return execution;
      });
    this.executions.set(executionArn, execution);
    return execution;
  }

  /**
   * StopExecution: a RUNNING execution becomes ABORTED now (a Lambda call it made still runs to
   * its end, as in AWS). One that has already finished is left as it is.
   */
  stop(executionArn: string, error?: string, cause?: string): Execution {
    const execution = this.describe(executionArn);
    if (execution.status === 'RUNNING') {
      Object.assign(execution, { status: 'ABORTED', stopDate: this.now(), ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) });
      this.aborts.get(executionArn)?.();
    }
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
