/**
 * Step Functions' API on the gateway (JSON 1.0, `X-Amz-Target: AWSStepFunctions.*`):
 * `StartExecution`, `StopExecution`, `DescribeExecution`, `GetExecutionHistory`,
 * `ListExecutions`, `DescribeStateMachine` and `ListStateMachines`, on the run's `StepFunctions`.
 * Unknown executions and state machines throw with AWS's error types (ExecutionDoesNotExist,
 * StateMachineDoesNotExist), which the gateway answers with.
 */
import type { Execution, StepFunctions } from '../stepFunctions';
import { roleArnOf } from '../stepFunctions';
import type { Reply } from './http';
import { awsError } from './http';

type Input = Record<string, unknown>;

/** A Step Functions action on the input of its request. */
export type StatesApi = (action: string, input: Input) => Reply;

/** GetExecutionHistory's page size when the caller gives none (AWS: 100, at most 1000). */
const HISTORY_PAGE = 100;

function describeExecution(e: Execution) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate / 1000,
    ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
    input: e.input,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  };
}

function startExecution(stepFunctions: StepFunctions, input: Input): Reply {
  const e = stepFunctions.start(
    String(input.stateMachineArn),
    JSON.parse(String(input.input ?? '{}')),
    'api',
    input.name ? String(input.name) : undefined,
  );
  return { status: 200, body: { executionArn: e.executionArn, startDate: e.startDate / 1000 } };
}

function stopExecution(stepFunctions: StepFunctions, input: Input): Reply {
  const e = stepFunctions.stop(
    String(input.executionArn),
    input.error as string | undefined,
    input.cause as string | undefined,
  );
  return { status: 200, body: { stopDate: (e.stopDate ?? 0) / 1000 } };
}

function getExecutionHistory(stepFunctions: StepFunctions, input: Input): Reply {
  const history = [...stepFunctions.describe(String(input.executionArn)).history];
  if (input.reverseOrder) {
    history.reverse();
  }
  const from = Number(input.nextToken ?? 0);
  const to = from + Math.min(Number(input.maxResults) || HISTORY_PAGE, 1000);
  return {
    status: 200,
    body: {
      events: history.slice(from, to).map((e) => ({ ...e, timestamp: e.timestamp / 1000 })),
      ...(to < history.length ? { nextToken: String(to) } : {}),
    },
  };
}

function describeStateMachine(stepFunctions: StepFunctions, input: Input): Reply {
  const m = stepFunctions.machine(String(input.stateMachineArn));
  return {
    status: 200,
    body: {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: JSON.stringify(m.definition, null, 2),
      roleArn: roleArnOf(m),
      type: m.type,
      creationDate: stepFunctions.createdAt / 1000,
    },
  };
}

function listStateMachines(stepFunctions: StepFunctions): Reply {
  return {
    status: 200,
    body: {
      stateMachines: stepFunctions.list().map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        creationDate: stepFunctions.createdAt / 1000,
      })),
    },
  };
}

function listExecutions(stepFunctions: StepFunctions, input: Input): Reply {
  // As AWS: newest first, `statusFilter`, pages of `maxResults` (default 100) with a nextToken.
  const matching = stepFunctions
    .all()
    .filter(
      (e) =>
        (!input.stateMachineArn || e.stateMachineArn === input.stateMachineArn) &&
        (!input.statusFilter || e.status === input.statusFilter),
    )
    .sort((a, b) => b.startDate - a.startDate);
  const from = Number(input.nextToken ?? 0);
  const size = Number(input.maxResults) > 0 ? Number(input.maxResults) : 100;
  return {
    status: 200,
    body: {
      executions: matching.slice(from, from + size).map(describeExecution),
      ...(from + size < matching.length ? { nextToken: String(from + size) } : {}),
    },
  };
}

/** The Step Functions API on `stepFunctions`. */
export function statesApi(stepFunctions: StepFunctions): StatesApi {
  return (action, input) => {
    switch (action) {
      case 'StartExecution':
        return startExecution(stepFunctions, input);
      case 'StopExecution':
        return stopExecution(stepFunctions, input);
      case 'DescribeExecution':
        return { status: 200, body: describeExecution(stepFunctions.describe(String(input.executionArn))) };
      case 'GetExecutionHistory':
        return getExecutionHistory(stepFunctions, input);
      case 'DescribeStateMachine':
        return describeStateMachine(stepFunctions, input);
      case 'ListStateMachines':
        return listStateMachines(stepFunctions);
      case 'ListExecutions':
        return listExecutions(stepFunctions, input);
      default:
        return awsError(400, 'UnknownOperationException', `AWSStepFunctions.${action} is not emulated locally`);
    }
  };
}
