/**
 * `ops replicate --campaign C [--fan G] [--rate N]`: force re-replication of a campaign's
 * registrations to Entry Service (DOMAIN.md 9.2 runbook 5, DR "rebuild Entry Service copies by
 * re-flagging `needsReplication`").
 *
 * Each registration gets `needsReplication = true`, on condition that it still exists (one
 * deleted meanwhile is counted as gone, never recreated). That MODIFY reaches enqueueEntries,
 * whose filter replicates a registration whose new image asks for it; saveEntries then clears
 * the flag again. DynamoDB writes no stream record for an update that changes nothing, so an
 * entry whose flag is already true (a replication that failed leaves it set) is first set to
 * false (a change enqueueEntries skips) and then to true: its stream then carries the change
 * that replicates it.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DemandTable, Item } from '../../src/shared/aws/demandTable';
import { createDemandTable, isConditionFailed } from '../../src/shared/aws/demandTable';
import type { TableKey } from '../../src/shared/aws/keys';
import { entryKey, keyOf } from '../../src/shared/aws/keys';
import { CliError } from '../build/toolCli';
import type { Verb, VerbContext } from './cli';
import { pacer, positiveInt, requiredText } from './cli';

export const DEFAULT_RATE = 25;

export interface ReplicateResult {
  campaignId: string;
  fan?: string;
  dryRun: boolean;
  /** Registrations found (the one of --fan, or every one of the campaign). */
  registrations: number;
  /** Flag set (a write that produced a stream record asking for replication). */
  flagged: number;
  /** Of those found, how many already had the flag (set to false, then true again). */
  alreadyFlagged: number;
  /** Deleted between the read and the write: counted, not recreated. */
  gone: number;
  /** Registrations without `date.fanModified`: enqueueEntries' stream filter never lets them through. */
  withoutFanModified: number;
  rate: number;
}

/** What the flagging needs of a registration: its key, its flag, whether it carries date.fanModified. */
interface Registration {
  key: TableKey;
  flagged: boolean;
  fanModified: boolean;
}

const registrationOf = (item: Item): Registration => ({
  key: keyOf(item),
  flagged: item.needsReplication === true,
  fanModified: (item.date as { fanModified?: unknown } | undefined)?.fanModified !== undefined,
});

/** The campaign's registrations, a page at a time (keys of keys.ts: the partition of `entryKey`, its `entry#` sort keys). */
async function* registrations(table: DemandTable, campaignId: string): AsyncGenerator<Registration[]> {
  // entryKey with an empty fan id: the campaign's partition and the sort-key prefix every entry has.
  const { PK, SK: prefix } = entryKey(campaignId, '');
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        FilterExpression: '#type = :registration',
        ProjectionExpression: 'PK, SK, needsReplication, #date.#fanModified',
        ExpressionAttributeNames: { '#type': 'type', '#date': 'date', '#fanModified': 'fanModified' },
        ExpressionAttributeValues: { ':pk': PK, ':prefix': prefix, ':registration': 'registration' },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    yield ((page.Items ?? []) as Item[]).map(registrationOf);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/**
 * Sets the flag of one registration; 'gone' when it no longer exists. An already-set flag is
 * cleared first (only while still set), so the final write is a change the stream carries.
 */
async function flag(table: DemandTable, registration: Registration): Promise<'flagged' | 'gone'> {
  const set = (value: boolean, condition: string) =>
    table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: registration.key,
        UpdateExpression: 'SET needsReplication = :value',
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':value': value, ...(value ? {} : { ':true': true }) },
      }),
    );
  try {
    if (registration.flagged) {
      try {
        await set(false, 'attribute_exists(PK) AND needsReplication = :true');
      } catch (error) {
        // Gone, or saveEntries cleared it meanwhile: setting it to true is then a change anyway.
        if (!isConditionFailed(error)) {
          throw error;
        }
      }
    }
    await set(true, 'attribute_exists(PK)');
    return 'flagged';
  } catch (error) {
    if (isConditionFailed(error)) {
      return 'gone';
    }
    throw error;
  }
}

function tally(result: ReplicateResult, found: Registration[]): void {
  result.registrations += found.length;
  result.alreadyFlagged += found.filter((r) => r.flagged).length;
  result.withoutFanModified += found.filter((r) => !r.fanModified).length;
}

/** The one registration of --fan, or a CliError (exit 1) when the campaign has none for that fan. */
async function fanRegistration(table: DemandTable, campaignId: string, fan: string): Promise<Registration> {
  const key = entryKey(campaignId, fan);
  const item = await table.get(key, true);
  if (!item || item.type !== 'registration') {
    throw new CliError(
      `no registration of fan "${fan}" in campaign "${campaignId}" (${key.PK} ${key.SK} in ${table.tableName}${item ? `: type "${String(item.type)}"` : ''}); nothing flagged`,
    );
  }
  return registrationOf(item);
}

/** `the registration of fan F in campaign C`, or `N registration(s) of campaign C`. */
const subject = (result: ReplicateResult) =>
  result.fan !== undefined
    ? `the registration of fan ${result.fan} in campaign ${result.campaignId}`
    : `${result.registrations} registration(s) of campaign ${result.campaignId}`;

export async function replicate(ctx: VerbContext): Promise<ReplicateResult> {
  const { target, values, io } = ctx;
  const campaignId = requiredText(values, 'campaign');
  const fan = values.fan === undefined ? undefined : requiredText(values, 'fan');
  const rate = positiveInt(values.rate, '--rate', DEFAULT_RATE);
  const table = createDemandTable(target.dynamo, target.demandTableName);
  const result: ReplicateResult = {
    campaignId,
    ...(fan !== undefined ? { fan } : {}),
    dryRun: ctx.dryRun,
    registrations: 0,
    flagged: 0,
    alreadyFlagged: 0,
    gone: 0,
    withoutFanModified: 0,
    rate,
  };

  // First pass: count (the confirmation and a dry run say how many), keeping only the one of --fan.
  const one = fan !== undefined ? await fanRegistration(table, campaignId, fan) : undefined;
  if (one) {
    tally(result, [one]);
  } else {
    for await (const page of registrations(table, campaignId)) {
      tally(result, page);
    }
  }
  if (result.registrations === 0 || ctx.dryRun) {
    return result;
  }
  await ctx.confirm(`flag ${subject(result)} for re-replication`);

  // Second pass: flag page by page (registrations written since the count are flagged too).
  result.registrations = 0;
  result.alreadyFlagged = 0;
  result.withoutFanModified = 0;
  const next = pacer(rate);
  const flagAll = async (page: Registration[]) => {
    tally(result, page);
    for (const registration of page) {
      await next();
      result[await flag(table, registration)]++;
      if (!ctx.json && (result.flagged + result.gone) % 1000 === 0) {
        io.out(`... ${result.flagged} flagged, ${result.gone} gone`);
      }
    }
  };
  try {
    if (one) {
      await flagAll([one]);
    } else {
      for await (const page of registrations(table, campaignId)) {
        await flagAll(page);
      }
    }
  } catch (error) {
    throw new CliError(
      `flagging stopped after ${result.flagged} flagged and ${result.gone} gone: ${(error as Error).name}: ${(error as Error).message}. Running the same command again is harmless (every registration is replicated once more).`,
    );
  }
  return result;
}

function report(result: ReplicateResult, tableName: string, out: (line: string) => void): void {
  if (result.registrations === 0) {
    out(
      `no registrations of campaign ${result.campaignId} in ${tableName}; nothing flagged (is the campaign id right?)`,
    );
    return;
  }
  if (result.dryRun) {
    out(
      `dry run: would flag ${subject(result)} for re-replication (${result.alreadyFlagged} already flagged), at most ${result.rate}/s; nothing changed`,
    );
  } else {
    out(
      `flagged ${result.flagged} of ${subject(result)} for re-replication; ${result.gone} gone (deleted meanwhile, not recreated)`,
    );
    if (result.alreadyFlagged > 0) {
      out(
        `${result.alreadyFlagged} were already flagged (a replication that failed leaves the flag set): cleared and set again, so that the stream carries a change`,
      );
    }
  }
  if (result.withoutFanModified > 0) {
    out(
      `warning: ${result.withoutFanModified} registration(s) have no date.fanModified; enqueueEntries' stream filter passes only registrations with one, so they are not replicated`,
    );
  }
  if (!result.dryRun && result.flagged > 0) {
    out(
      'saveEntries clears each flag once Entry Service has the entry; `status --stack replication` shows the queues.',
    );
  }
}

export const REPLICATE_VERB: Verb = {
  name: 'replicate',
  args: [],
  summary: "re-replicate a campaign's registrations (or one fan's) to Entry Service",
  help: `  --campaign ID     the campaign whose registrations are replicated again; required
  --fan ID          only this fan's registration (globalUserId); exit 1 when there is none
  --rate N          at most N registrations per second (default ${DEFAULT_RATE})

Sets needsReplication = true on each registration (type = 'registration') of the campaign in the
demand table, only where the item still exists: one deleted meanwhile is counted as gone, not
recreated. enqueueEntries replicates the change and saveEntries clears the flag again. An entry
whose flag is already set (a failed replication leaves it so) is set to false and then to true:
DynamoDB streams nothing for a write that changes nothing. Registrations without
date.fanModified are flagged but counted in a warning: the stream filter never passes them.
The count is read first (the dry run and the confirmation say it); a run that stops can be run
again: replicating an entry twice is harmless.`,
  options: { campaign: { type: 'string' }, fan: { type: 'string' }, rate: { type: 'string' } },
  changes: true,
  async run(ctx) {
    const result = await replicate(ctx);
    if (ctx.json) {
      ctx.io.out(JSON.stringify(result));
    } else {
      report(result, ctx.target.demandTableName, ctx.io.out);
    }
    return 0;
  },
};
