/**
 * 7. Fans change their minds: one deletes the registration, another drops a market. The pipe
 * passes the REMOVE and the whole MODIFY, so Kafka gets the deletion and the retraction. The fans
 * are picked from the demand table as the invariants read it; the phase records its own
 * invariants and hands nothing on.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { entryKey } from '../../../src/shared/aws/keys';
import type { Fan } from './campaign';
import type { ScenarioContext } from './context';
import type { DemandItems } from './demandTable';
import { entryOf, marketsOf } from './demandTable';
import type { KafkaValue } from './kafka';
import { readKafka } from './kafka';

/** A registration with the markets its entry lists. */
interface Registered {
  fan: Fan;
  markets: string[];
}

/** The change: a registration deleted, and a market (the last one) dropped from another. */
interface Change {
  deleted: Registered;
  dropper: Registered;
  dropped: string;
}

/** Deletes one registration and drops a market from another, then checks what Kafka got. */
export async function changeMinds(
  ctx: ScenarioContext,
  campaignId: string,
  eligible: Fan[],
  items: DemandItems,
): Promise<void> {
  const entries = eligible
    .map((f) => ({ fan: f, markets: marketsOf(entryOf(items, campaignId, f)) }))
    .filter((e) => e.markets.length > 0);
  const [deleted, ...others] = entries;
  const dropper = others.sort((a, b) => b.markets.length - a.markets.length)[0];
  if (!deleted || !dropper) {
    ctx.check(
      'deletions and dropped markets reach Kafka',
      false,
      `needs two registrations with markets, found ${entries.length}`,
    );
    return;
  }
  const change: Change = { deleted, dropper, dropped: dropper.markets[dropper.markets.length - 1] };
  await writeChange(ctx, campaignId, change);
  await ctx.settle('the deletion and the changed registration');
  await checkRetractions(ctx, campaignId, change);
}

/** The fan's deletion, and the other fan's update of the registration without its last market. */
async function writeChange(ctx: ScenarioContext, campaignId: string, { deleted, dropper }: Change): Promise<void> {
  const { ddb, rt } = ctx;
  const now = ctx.iso();
  await ddb.send(
    new DeleteCommand({ TableName: rt.demandTableName, Key: entryKey(campaignId, deleted.fan.globalUserId) }),
  );
  await ddb.send(
    new UpdateCommand({
      TableName: rt.demandTableName,
      Key: entryKey(campaignId, dropper.fan.globalUserId),
      UpdateExpression: 'SET #f.#m = :markets, #d.#u = :now, #d.#fm = :now',
      ExpressionAttributeNames: {
        '#f': 'fields',
        '#m': 'markets',
        '#d': 'date',
        '#u': 'updated',
        '#fm': 'fanModified',
      },
      ExpressionAttributeValues: { ':markets': dropper.markets.slice(0, -1), ':now': now },
    }),
  );
}

/** Reads Kafka until the retractions are there (or a minute passed), and checks them. */
async function checkRetractions(
  ctx: ScenarioContext,
  campaignId: string,
  { deleted, dropper, dropped }: Change,
): Promise<void> {
  const isFor = (globalUserId: string) => (r: KafkaValue) => r.globalUserId === globalUserId && r.isDeleted === true;
  const retractions = (byType: Record<string, KafkaValue[]>) => ({
    registration: byType.registration.filter(isFor(deleted.fan.globalUserId)).length,
    deletedMarkets: new Set(byType.registeredMarket.filter(isFor(deleted.fan.globalUserId)).map((r) => r.marketId))
      .size,
    droppedMarket: byType.registeredMarket.filter((r) => isFor(dropper.fan.globalUserId)(r) && r.marketId === dropped),
  });
  const seen = retractions(
    await readKafka(ctx.rt, ctx.config, campaignId, 60_000, (byType) => {
      const r = retractions(byType);
      return r.registration > 0 && r.deletedMarkets === deleted.markets.length && r.droppedMarket.length > 0;
    }),
  );
  const rank = dropper.markets.length;
  ctx.check(
    'a deleted registration reaches Kafka with isDeleted, with its registeredMarkets retracted',
    seen.registration > 0 && seen.deletedMarkets === deleted.markets.length,
    `${seen.registration} deleted registration record(s), ${seen.deletedMarkets}/${deleted.markets.length} registeredMarkets retracted`,
  );
  ctx.check(
    'a market dropped from a registration is retracted on Kafka with its old rank',
    seen.droppedMarket.some((r) => r.rank === rank),
    `${seen.droppedMarket.length} retraction(s) of ${dropped}, ranks ${JSON.stringify(seen.droppedMarket.map((r) => r.rank))} (expected ${rank})`,
  );
}
