/**
 * 2-3. Fans register: checkEligibility (AppSync-style invocation), then the write it guards, the
 * entry PutItem with `needsReplication` and `date.fanModified`. Their user info arrives as
 * EventBridge events (user-info rule → queue → upsertUsers). The phase then waits for the
 * replication and the data pipeline to settle (and for a Kafka outage, with faults). Hands the
 * eligible fans and the refused ones (`globalUserId: reason`) to the next phases.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { currentTrace, withSpan } from '../../../src/shared/runtime/tracing';
import { entryKey } from '../../../src/shared/aws/keys';
import type { InvokeOutcome } from '../lambda/host';
import type { Fan, ScenarioSeed } from './campaign';
import type { ScenarioContext } from './context';
import { pool } from './pool';

/** The fans checkEligibility let through, in the order they were written, and the refused ones. */
export interface Registrations {
  eligible: Fan[];
  /** `globalUserId: reason` of each refused fan. */
  ineligible: string[];
}

type Eligibility = { isEligible?: boolean; reason?: string; fields?: Record<string, unknown> };

/** Registers every fan, sends the registered fans' user info, and waits for the system to settle. */
export async function register(
  ctx: ScenarioContext,
  seed: ScenarioSeed,
  outage: Promise<void> | undefined,
): Promise<Registrations> {
  const { rt, log, status } = ctx;
  const registrations: Registrations = { eligible: [], ineligible: [] };
  const userInfoRule = rt.model.rules.find(
    (r) => r.eventPattern && r.targets.some((t) => t.arn === rt.queue('user-info').arn),
  );
  // Each registration is one trace, as a fan's request through the registration API would be:
  // checkEligibility gets it as the AppSync request's traceparent header, the entry write stamps it on the item.
  await pool(seed.fans, 8, (fan, i) =>
    withSpan(
      'register fan',
      { 'fan.globalUserId': fan.globalUserId },
      () => registerFan(ctx, seed, fan, i, registrations),
      {
        parent: ROOT_CONTEXT,
        kind: SpanKind.PRODUCER,
      },
    ),
  );
  status('');
  log(`  ${registrations.eligible.length} registered, ${registrations.ineligible.length} refused by checkEligibility`);
  if (userInfoRule?.eventPattern) {
    sendUserInfo(
      ctx,
      registrations.eligible,
      userInfoRule.eventPattern as { source: string[]; 'detail-type': string[] },
    );
  }
  await outage;
  await ctx.settle('replication, user upserts and the data pipeline');
  return registrations;
}

/** One fan's registration, in the fan's trace: checkEligibility, then the entry write if eligible. */
async function registerFan(
  ctx: ScenarioContext,
  seed: ScenarioSeed,
  fan: Fan,
  i: number,
  registrations: Registrations,
): Promise<void> {
  const { traceparent } = currentTrace();
  const outcome = await checkEligibility(ctx, seed.slug, fan, i, traceparent);
  const answer = (outcome.ok ? outcome.payload : undefined) as Eligibility | undefined;
  if (!answer?.isEligible) {
    registrations.ineligible.push(
      `${fan.globalUserId}: ${answer?.reason ?? (outcome.ok ? 'no answer' : outcome.error.errorMessage)}`,
    );
    return;
  }
  await writeEntry(ctx, seed.campaignId, fan, answer.fields, traceparent);
  registrations.eligible.push(fan);
  ctx.traces.registration ??= { traceId: traceparent.slice(3, 35), fan: fan.globalUserId };
  if (i % 100 === 0) {
    ctx.status(`  … ${i + 1}/${seed.fans.length} fans through checkEligibility`);
  }
}

/** checkEligibility as AppSync invokes it for the registration API's upsertEntry. */
function checkEligibility(
  ctx: ScenarioContext,
  slug: string,
  fan: Fan,
  i: number,
  traceparent: string,
): Promise<InvokeOutcome> {
  return ctx.rt.invoke('checkEligibility', {
    arguments: {
      input: {
        slug,
        entry: {
          email: fan.email,
          phone: fan.phone,
          markets: fan.markets,
          allow_marketing: i % 2 === 0,
          ...(fan.note ? { note: fan.note } : {}),
        },
        userInfo: {
          globalUserId: fan.globalUserId,
          email: fan.email,
          phoneNumber: fan.phone,
          countryCode: 'US',
          locale: fan.locale,
          isLoggedIn: 'true',
        },
        doTransfer: false,
      },
    },
    info: { fieldName: 'upsertEntry', parentTypeName: 'Mutation' },
    request: { headers: { traceparent } },
    prev: null,
    stash: {},
  });
}

/** The entry write checkEligibility guards, flagged for replication and stamped with the fan's trace. */
async function writeEntry(
  ctx: ScenarioContext,
  campaignId: string,
  fan: Fan,
  fields: Record<string, unknown> | undefined,
  traceparent: string,
): Promise<void> {
  const now = ctx.iso();
  await ctx.ddb.send(
    new PutCommand({
      TableName: ctx.rt.demandTableName,
      Item: {
        ...entryKey(campaignId, fan.globalUserId),
        type: 'registration',
        campaignId,
        globalUserId: fan.globalUserId,
        userId: fan.userId,
        email: fan.email,
        phoneNumber: fan.phone,
        firstName: fan.firstName,
        lastName: fan.lastName,
        locale: fan.locale,
        fields,
        origin: { ip: { address: '203.0.113.7', country: 'US' } },
        date: { created: now, updated: now, fanModified: now },
        needsReplication: true,
        traceparent,
      },
    }),
  );
}

/** The registered fans' user info, as the user-info rule's events, ten to a PutEvents. */
function sendUserInfo(
  ctx: ScenarioContext,
  eligible: Fan[],
  pattern: { source: string[]; 'detail-type': string[] },
): void {
  for (let i = 0; i < eligible.length; i += 10) {
    ctx.rt.eventBus.putEvents(
      eligible.slice(i, i + 10).map((fan) => ({
        Source: pattern.source[0],
        DetailType: pattern['detail-type'][0],
        Detail: JSON.stringify({
          globalUserId: fan.globalUserId,
          email: fan.email,
          firstName: fan.firstName,
          lastName: fan.lastName,
          ticketmasterId: fan.globalUserId,
        }),
      })),
    );
  }
}
