/**
 * EventBridge's API on the gateway (JSON 1.1, `X-Amz-Target: AWSEvents.*`): `PutEvents`,
 * `ListRules`, `DescribeRule`, `ListTargetsByRule` and `ListEventBuses`, on the run's `EventBus`.
 * The model has no rule state or description: every rule is ENABLED.
 */
import type { EventBus, PutEventsEntry } from '../eventBus';
import type { Rule } from '../wiring/model';
import type { Reply } from './http';
import { awsError, notFound } from './http';

type Input = Record<string, unknown>;

/** An EventBridge action on the input of its request. */
export type EventsApi = (action: string, input: Input) => Reply;

/** ListRules' and DescribeRule's view of a rule. */
function describeRule(rule: Rule) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.eventPattern ? { EventPattern: JSON.stringify(rule.eventPattern) } : {}),
    ...(rule.scheduleExpression ? { ScheduleExpression: rule.scheduleExpression } : {}),
    State: 'ENABLED',
    EventBusName: rule.eventBusName,
  };
}

/** A JSON 1.1 answer, as EventBridge's. */
const answer = (body: unknown): Reply => ({
  status: 200,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body,
});

/** The rule `name` of the bus `bus`; a ResourceNotFoundException when it has none. */
function ruleOf(eventBus: EventBus, bus: string, name: unknown): Rule {
  const found = eventBus.rules().find((r) => r.name === name && r.eventBusName === bus);
  if (!found) {
    throw notFound('ResourceNotFoundException', `Rule ${String(name)} does not exist on EventBus ${bus}.`);
  }
  return found;
}

function listRules(eventBus: EventBus, bus: string, input: Input): Reply {
  return answer({
    Rules: eventBus
      .rules()
      .filter((r) => r.eventBusName === bus && r.name.startsWith(String(input.NamePrefix ?? '')))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(describeRule),
  });
}

function listTargetsByRule(rule: Rule): Reply {
  return answer({
    Targets: rule.targets.map((t) => ({
      Id: t.id,
      Arn: t.arn,
      ...(t.input !== undefined ? { Input: t.input } : {}),
      ...(t.inputPath !== undefined ? { InputPath: t.inputPath } : {}),
      ...(t.roleArn !== undefined ? { RoleArn: t.roleArn } : {}),
    })),
  });
}

function listEventBuses(eventBus: EventBus, input: Input): Reply {
  const names = [...new Set(['default', ...eventBus.rules().map((r) => r.eventBusName)])];
  return answer({
    EventBuses: names
      .filter((n) => n.startsWith(String(input.NamePrefix ?? '')))
      .map((n) => ({ Name: n, Arn: eventBus.busArn(n) })),
  });
}

/** The EventBridge API on `eventBus`; a request's bus is its `EventBusName`, else `default`. */
export function eventsApi(eventBus: EventBus): EventsApi {
  return (action, input) => {
    const bus = String(input.EventBusName ?? 'default');
    switch (action) {
      case 'PutEvents':
        return answer({
          FailedEntryCount: 0,
          Entries: eventBus.putEvents((input.Entries as PutEventsEntry[] | undefined) ?? []),
        });
      case 'ListRules':
        return listRules(eventBus, bus, input);
      case 'DescribeRule': {
        const r = ruleOf(eventBus, bus, input.Name);
        return answer({ ...describeRule(r), CreatedBy: r.arn.split(':')[4] });
      }
      case 'ListTargetsByRule':
        return listTargetsByRule(ruleOf(eventBus, bus, input.Rule));
      case 'ListEventBuses':
        return listEventBuses(eventBus, input);
      default:
        return awsError(400, 'UnknownOperationException', `AWSEvents.${action} is not emulated locally`, true);
    }
  };
}
