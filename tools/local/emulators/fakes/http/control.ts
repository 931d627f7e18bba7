/** The control API every fake serves under `/_fake/...`: state, requests and failure injection. */
import type { FakeControls, FakeResponse } from '../server';
import type { ServerContext } from './dispatch';
import { failureRuleOf, pendingFailures } from './faults';

/** Answers the control request `<method> /_fake/<action>` (not logged, no token needed). */
export async function handleControl(
  ctx: ServerContext,
  controls: FakeControls,
  method: string,
  action: string,
  body: unknown,
): Promise<FakeResponse> {
  if (method === 'GET' && action === 'state') {
    return { status: 200, body: stateView(ctx) };
  }
  if (method === 'GET' && action === 'requests') {
    return { status: 200, body: ctx.requests };
  }
  if (method !== 'POST') {
    return ctx.errorBody(404, 'notFound', `no control ${method} /_fake/${action}`);
  }
  return postControl(ctx, controls, action, body);
}

/** `GET /_fake/state`: the fake's own state, the request log and what is still to be injected. */
function stateView(ctx: ServerContext) {
  return {
    state: ctx.def.state(),
    requests: ctx.requests,
    latencyMs: ctx.faults.latencyMs,
    pendingDrops: ctx.faults.drops,
    pendingFailures: pendingFailures(ctx.faults),
  };
}

/** `POST /_fake/<action>`: the common controls, else an action of the fake's definition. */
async function postControl(
  ctx: ServerContext,
  controls: FakeControls,
  action: string,
  body: unknown,
): Promise<FakeResponse> {
  const b = (body ?? {}) as Record<string, unknown>;
  switch (action) {
    case 'fail':
      if (typeof b.status !== 'number') {
        return ctx.errorBody(400, 'invalidFailure', 'status (number) is required');
      }
      controls.failNext(failureRuleOf(b.status, b));
      return { status: 204 };
    case 'latency':
      controls.setLatency(Number(b.ms ?? 0));
      return { status: 204 };
    case 'drop':
      controls.dropConnections(Number(b.count ?? 1));
      return { status: 204 };
    case 'clear-failures':
      controls.clearFailures();
      return { status: 204 };
    case 'reset':
      controls.reset();
      return { status: 204 };
    default:
      return customAction(ctx, action, body);
  }
}

/** Runs the fake-specific action `action`: 200 `{ data }`, 400 when it throws, 404 when there is none. */
async function customAction(ctx: ServerContext, action: string, body: unknown): Promise<FakeResponse> {
  const custom = ctx.def.actions?.[action];
  if (!custom) {
    return ctx.errorBody(404, 'notFound', `no control POST /_fake/${action}`);
  }
  try {
    return { status: 200, body: { data: (await custom(body)) ?? null } };
  } catch (error) {
    return ctx.errorBody(400, 'invalidControl', (error as Error).message);
  }
}
