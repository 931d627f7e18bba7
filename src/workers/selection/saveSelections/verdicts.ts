import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DemandTable } from '../../../shared/aws/demandTable';
import { isConditionFailed } from '../../../shared/aws/demandTable';
import { codeClaimKey, entryKey } from '../../../shared/aws/keys';

/** String set on the entry naming the markets whose verdict has been written (docs/selection.md). */
export const ASSIGNED_MARKETS = 'assignedMarkets';

/**
 * - `saved`: the verdict and code were written now;
 * - `alreadySaved`: the market was already in the entry's set (a repeated message);
 * - `noEntry`: the fan has no registration entry in the demand table.
 */
export type VerdictOutcome = 'saved' | 'alreadySaved' | 'noEntry';

export interface Verdict {
  campaignId: string;
  globalUserId: string;
  marketId: string;
  code: string;
}

/** Item type of a code claim; no stream consumer matches it (they all filter on `registration`). */
export const CODE_CLAIM = 'codeClaim';

export interface VerdictStore {
  /**
   * Markets each fan's entry already holds a verdict for, with the code the entry holds for each
   * (undefined if none is listed), by globalUserId; fans without an entry are absent.
   */
  assignedMarkets(
    campaignId: string,
    globalUserIds: readonly string[],
  ): Promise<Map<string, Map<string, string | undefined>>>;
  /**
   * Claims `code` as the fan's one code for the market, unless another claim came first;
   * returns the code that holds the claim (`code` itself when this one won or repeats).
   */
  claimCode(claim: Verdict): Promise<string>;
  /**
   * Writes a winner's verdict and code with one conditional update; `traceparent` (the selection's
   * trace) replaces the item's, so the stream consumers of this change continue the selection's trace.
   */
  markSelected(verdict: Verdict & { traceparent?: string }): Promise<VerdictOutcome>;
}

/**
 * The demand-table side of saveSelections (DECISIONS.md [15]). One UpdateItem sets `verdict`,
 * appends the code and adds the market to `assignedMarkets`, on condition that the entry exists
 * and the market is not in the set yet, so a repeated message changes nothing. `date.updated`
 * is left alone: it orders the fan's own edits for replication, and this is not one.
 */
export function createVerdictStore(table: Pick<DemandTable, 'client' | 'tableName' | 'batchGet'>): VerdictStore {
  return {
    async assignedMarkets(campaignId, globalUserIds) {
      const keys = new Map(globalUserIds.map((g) => [entryKey(campaignId, g).SK, g]));
      const items = await table.batchGet(globalUserIds.map((g) => entryKey(campaignId, g)));
      return new Map(
        items.flatMap((item) => {
          const globalUserId = keys.get(item.SK);
          const markets = item[ASSIGNED_MARKETS];
          const codes = Array.isArray(item.codes) ? (item.codes as { id?: unknown; marketId?: unknown }[]) : [];
          const codeOf = (marketId: string) => {
            const id = codes.find((c) => c?.marketId === marketId)?.id;
            return typeof id === 'string' ? id : undefined;
          };
          const assigned = markets instanceof Set ? [...(markets as Set<string>)] : [];
          return globalUserId ? [[globalUserId, new Map(assigned.map((m) => [m, codeOf(m)]))]] : [];
        }),
      );
    },

    async claimCode({ campaignId, globalUserId, marketId, code }) {
      try {
        await table.client.send(
          new PutCommand({
            TableName: table.tableName,
            Item: {
              ...codeClaimKey(campaignId, marketId, globalUserId),
              type: CODE_CLAIM,
              campaignId,
              marketId,
              globalUserId,
              code,
            },
            ConditionExpression: 'attribute_not_exists(PK) OR code = :code',
            ExpressionAttributeValues: { ':code': code },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return code;
      } catch (error) {
        // The error's Item comes in attribute-value form (the document client does not convert it).
        const held = (error as { Item?: { code?: { S?: unknown } } }).Item?.code?.S;
        if (isConditionFailed(error) && typeof held === 'string') {
          return held;
        }
        throw error;
      }
    },

    async markSelected({ campaignId, globalUserId, marketId, code, traceparent }) {
      try {
        await table.client.send(
          new UpdateCommand({
            TableName: table.tableName,
            Key: entryKey(campaignId, globalUserId),
            UpdateExpression: `SET verdict = :true, codes = list_append(if_not_exists(codes, :none), :code)${
              traceparent ? ', traceparent = :traceparent' : ''
            } ADD #assigned :markets`,
            ConditionExpression: 'attribute_exists(PK) AND NOT contains(#assigned, :market)',
            ExpressionAttributeNames: { '#assigned': ASSIGNED_MARKETS },
            ExpressionAttributeValues: {
              ':true': true,
              ':none': [],
              ':code': [{ id: code, marketId }],
              ':markets': new Set([marketId]),
              ':market': marketId,
              ...(traceparent ? { ':traceparent': traceparent } : {}),
            },
            // Tells "already saved" (the item comes back) from "no entry" (nothing comes back).
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'saved';
      } catch (error) {
        if (isConditionFailed(error)) {
          return (error as { Item?: unknown }).Item ? 'alreadySaved' : 'noEntry';
        }
        throw error;
      }
    },
  };
}
