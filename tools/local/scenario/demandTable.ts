/**
 * The demand table as the invariants see it (read at their start): every item by `PK|SK`. The
 * invariants phase reads it and hands it to the changes phase, which picks its fans from it.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Fan } from './campaign';
import type { ScenarioContext } from './context';

/** The items of the demand table, by `PK|SK`. */
export type DemandItems = Map<string, Record<string, unknown>>;

/** Reads the whole demand table. */
export async function readDemandTable(ctx: ScenarioContext): Promise<DemandItems> {
  const items: DemandItems = new Map();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new ScanCommand({ TableName: ctx.rt.demandTableName, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      items.set(`${item.PK}|${item.SK}`, item);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The stored entry of a fan, if any. */
export const entryOf = (items: DemandItems, campaignId: string, fan: Fan) =>
  items.get(`e:${campaignId}|entry#${fan.globalUserId}`);

/** The markets a stored entry lists, in the fan's order. */
export const marketsOf = (entry: Record<string, unknown> | undefined): string[] =>
  ((entry?.fields as { markets?: unknown } | undefined)?.markets as string[] | undefined) ?? [];
