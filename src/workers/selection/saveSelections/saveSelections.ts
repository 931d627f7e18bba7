/**
 * saveSelections (DOMAIN.md 4.7, DECISIONS.md [15]): code assignment in Entry Service first,
 * then the verdict on the demand table; refreshes only re-send the assignment. Before either, a
 * selection claims its code as the fan's one code for the market: a selection that finds
 * another code there (a re-run while messages were queued) releases its own code instead.
 */
import type { BatchResult } from '../../../shared/runtime/batch';
import type { Logger } from '../../../shared/runtime/logger';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import type { RecordTrace } from '../../../shared/runtime/tracing';
import type { CodeService } from '../../../shared/services/codes';
import type { CodeAssignment, EntryService } from '../../../shared/services/entries';
import { ServiceError } from '../../../shared/services/http';
import type { SaveSelectionMessage } from '../shared/messages';
import { SELECTION, selectionKey } from '../shared/messages';
import type { QueueSender } from '../shared/queueSender';
import { mapLimit } from '../../../shared/util/mapLimit';
import type { VerdictOutcome, VerdictStore } from './verdicts';

export interface SaveSelectionsDeps {
  entries: Pick<EntryService, 'assignCodes'>;
  /** Code Service, to release the code of a selection that lost its fan's claim. */
  codes: Pick<CodeService, 'releaseCodes'>;
  verdicts: VerdictStore;
  /** The vf-api verdict-reporter queue; absent when config leaves it empty. */
  verdictReporter?: QueueSender;
  /** Assignments per Entry Service call (config `selection.codeAssignmentChunkSize`). */
  chunkSize: number;
  log: Logger;
  now?: () => Date;
}

/** One fan in one market, and every delivery in the batch that asked for it. */
interface Delivery {
  message: SaveSelectionMessage;
  messageIds: string[];
  /** The trace of the delivery's selection message, stamped on the verdict it writes. */
  trace?: RecordTrace;
}

/** `released`: the selection lost its fan's claim to another code, and its own code was released. */
type Outcome = Exclude<VerdictOutcome, 'noEntry'> | 'refreshed' | 'released' | 'failed';

const TABLE_WRITES_IN_FLIGHT = 10;

/**
 * Collapses deliveries of one fan and market: one per distinct selection code (the claim picks
 * the code that stays), with the fan's refreshes riding on the first, or one refresh when there
 * is no selection. All carry the dates of the newest delivery, so a later refresh's presale time
 * is not lost.
 */
export function dedupe(messages: readonly SqsMessage<SaveSelectionMessage>[]): Delivery[] {
  type Group = { deliveries: Map<string, Delivery>; refreshIds: string[]; newest: SaveSelectionMessage };
  const byKey = new Map<string, Group>();
  for (const { messageId, body, trace } of messages) {
    const group: Group = byKey.get(selectionKey(body)) ?? { deliveries: new Map(), refreshIds: [], newest: body };
    byKey.set(selectionKey(body), group);
    if (Date.parse(body.date.created) >= Date.parse(group.newest.date.created)) {
      group.newest = body;
    }
    if (body.type !== SELECTION) {
      group.refreshIds.push(messageId);
      continue;
    }
    const found = group.deliveries.get(body.code);
    if (found) {
      found.messageIds.push(messageId);
    } else {
      group.deliveries.set(body.code, { message: body, messageIds: [messageId], trace });
    }
  }
  return [...byKey.values()].flatMap(({ deliveries, refreshIds, newest }) => {
    const selections = [...deliveries.values()];
    if (selections.length === 0) {
      return [{ message: { ...newest }, messageIds: refreshIds }];
    }
    selections[0].messageIds.push(...refreshIds);
    return selections.map((d) => ({ ...d, message: { ...d.message, date: newest.date } }));
  });
}

/** Chunks of at most `size` with each user id at most once, as Entry Service requires per call. */
export function assignmentChunks(deliveries: readonly Delivery[], size: number): Delivery[][] {
  const chunks: { items: Delivery[]; users: Set<string> }[] = [];
  for (const delivery of deliveries) {
    const { userId } = delivery.message;
    let chunk = chunks.find((c) => c.items.length < size && !c.users.has(userId));
    if (!chunk) {
      chunk = { items: [], users: new Set() };
      chunks.push(chunk);
    }
    chunk.items.push(delivery);
    chunk.users.add(userId);
  }
  return chunks.map((c) => c.items);
}

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  items.forEach((item) => groups.set(key(item), [...(groups.get(key(item)) ?? []), item]));
  return groups;
};

/** Processes one batch of the save-selection queue; returns the message ids to retry. */
export async function saveSelections(
  messages: readonly SqsMessage<SaveSelectionMessage>[],
  deps: SaveSelectionsDeps,
): Promise<BatchResult> {
  const deliveries = dedupe(messages);
  const now = (deps.now?.() ?? new Date()).toISOString();
  const assignment = (m: SaveSelectionMessage): CodeAssignment => ({
    userId: m.userId,
    code: m.code,
    marketId: m.marketId,
    eventIds: m.eventIds,
    date: { start: m.date.start ?? now, created: m.date.created },
  });

  const outcomes = new Map<Delivery, Outcome>();
  for (const [campaignId, group] of groupBy(deliveries, (d) => d.message.campaignId)) {
    const screened = await screenSelections(campaignId, group, outcomes, deps);
    const toAssign = await claimCodes(campaignId, screened, outcomes, deps);
    for (const chunk of assignmentChunks(toAssign, deps.chunkSize)) {
      (await assignChunk(campaignId, chunk, assignment, deps)).forEach((d) => outcomes.set(d, 'failed'));
    }
  }
  const assigned = deliveries.filter((d) => !outcomes.has(d));
  const written = await mapLimit(assigned, TABLE_WRITES_IN_FLIGHT, (d) =>
    d.message.type === SELECTION ? writeVerdict(d, deps) : Promise.resolve<Outcome>('refreshed'),
  );
  assigned.forEach((d, i) => outcomes.set(d, written[i]));

  const results = deliveries.map((d) => outcomes.get(d) ?? 'failed');
  await reportVerdicts(deliveries, results, now, deps);
  const tally = (outcome: Outcome) => results.filter((o) => o === outcome).length;
  return {
    failed: deliveries.flatMap((d, i) => (results[i] === 'failed' ? d.messageIds : [])),
    counts: {
      deduped: messages.length - deliveries.length,
      codeAssignments: deliveries.filter((d) => d.message.type === SELECTION).length,
      selectionRefreshes: deliveries.filter((d) => d.message.type !== SELECTION).length,
      savedVerdicts: tally('saved'),
      alreadySaved: tally('alreadySaved'),
      releasedCodes: tally('released'),
      notSaved: tally('failed'),
    },
  };
}

/**
 * Reads the winners' entries before anything is assigned: a fan whose entry already holds the
 * market with this code (a repeated message) is done, one that holds it with another code has
 * lost (`lost`), and a fan without an entry must not get a code in Entry Service. `pass` holds
 * the refreshes and the selections that still need their claim.
 */
async function screenSelections(
  campaignId: string,
  group: Delivery[],
  outcomes: Map<Delivery, Outcome>,
  deps: SaveSelectionsDeps,
): Promise<{ pass: Delivery[]; lost: Delivery[] }> {
  const selections = group.filter((d) => d.message.type === SELECTION);
  if (selections.length === 0) {
    return { pass: group, lost: [] };
  }
  let markets: Map<string, Map<string, string | undefined>>;
  try {
    markets = await deps.verdicts.assignedMarkets(campaignId, [
      ...new Set(selections.map((d) => d.message.globalUserId)),
    ]);
  } catch (error) {
    deps.log.error('winners’ entries could not be read', { campaignId, fans: selections.length, error });
    selections.forEach((d) => outcomes.set(d, 'failed'));
    return { pass: group.filter((d) => d.message.type !== SELECTION), lost: [] };
  }
  const lost: Delivery[] = [];
  const pass = group.filter((d) => {
    const { type, globalUserId, marketId, code } = d.message;
    if (type !== SELECTION) {
      return true;
    }
    const entryMarkets = markets.get(globalUserId);
    if (!entryMarkets) {
      // Retried, then left in the DLQ for someone to look at.
      deps.log.error('winner has no registration entry in the demand table', { campaignId, globalUserId, marketId });
      outcomes.set(d, 'failed');
      return false;
    }
    if (entryMarkets.has(marketId)) {
      const held = entryMarkets.get(marketId);
      if (held !== undefined && held !== code) {
        lost.push(d);
      } else {
        outcomes.set(d, 'alreadySaved');
      }
      return false;
    }
    return true;
  });
  return { pass, lost };
}

/**
 * Claims each selection's code as its fan's one code for the market (DynamoDB decides between
 * concurrent claims), then releases the codes of the selections that lost, in Code Service, so
 * they go back to the pool and no two fans can end up with one code. Returns the deliveries to
 * assign: refreshes and the selections whose claim holds their code.
 */
async function claimCodes(
  campaignId: string,
  { pass, lost }: { pass: Delivery[]; lost: Delivery[] },
  outcomes: Map<Delivery, Outcome>,
  deps: SaveSelectionsDeps,
): Promise<Delivery[]> {
  const claims = await mapLimit(pass, TABLE_WRITES_IN_FLIGHT, async (d) => {
    if (d.message.type !== SELECTION) {
      return d.message.code;
    }
    const { globalUserId, marketId, code } = d.message;
    try {
      return await deps.verdicts.claimCode({ campaignId, globalUserId, marketId, code });
    } catch (error) {
      deps.log.error('code claim not written', { campaignId, globalUserId, marketId, error });
      outcomes.set(d, 'failed');
      return undefined;
    }
  });
  const won = pass.filter((d, i) => claims[i] === d.message.code);
  lost.push(...pass.filter((d, i) => claims[i] !== undefined && claims[i] !== d.message.code));
  if (lost.length > 0) {
    const codes = lost.map((d) => d.message.code);
    try {
      await deps.codes.releaseCodes(campaignId, codes);
      deps.log.warn('selections lost to another code for the same fan and market; their codes were released', {
        campaignId,
        released: lost.map(({ message: { globalUserId, marketId, code } }) => ({ globalUserId, marketId, code })),
      });
      lost.forEach((d) => outcomes.set(d, 'released'));
    } catch (error) {
      // Retried: the claim still says they lost, and releasing again is harmless.
      deps.log.error('codes of lost selections not released', { campaignId, codes, error });
      lost.forEach((d) => outcomes.set(d, 'failed'));
    }
  }
  return won;
}

/**
 * One Entry Service call; returns the deliveries it did not assign. When Entry Service refuses
 * a whole chunk as invalid (400), each fan is tried alone so one bad message cannot keep
 * failing the others of its batch.
 */
async function assignChunk(
  campaignId: string,
  chunk: Delivery[],
  assignment: (m: SaveSelectionMessage) => CodeAssignment,
  deps: SaveSelectionsDeps,
): Promise<Delivery[]> {
  try {
    const { failed } = await deps.entries.assignCodes(
      campaignId,
      chunk.map((d) => assignment(d.message)),
    );
    const failedUsers = new Set(failed);
    const notAssigned = chunk.filter((d) => failedUsers.has(d.message.userId));
    if (notAssigned.length > 0) {
      deps.log.warn('Entry Service did not assign some codes', { campaignId, userIds: [...failedUsers] });
    }
    return notAssigned;
  } catch (error) {
    if (error instanceof ServiceError && error.status === 400 && chunk.length > 1) {
      const alone = await Promise.all(chunk.map((d) => assignChunk(campaignId, [d], assignment, deps)));
      return alone.flat();
    }
    deps.log.error('code assignment failed', { campaignId, fans: chunk.length, error });
    return chunk;
  }
}

async function writeVerdict({ message, trace }: Delivery, deps: SaveSelectionsDeps): Promise<Outcome> {
  const { campaignId, globalUserId, marketId, code } = message;
  try {
    const outcome = await deps.verdicts.markSelected({
      campaignId,
      globalUserId,
      marketId,
      code,
      ...(trace ? { traceparent: trace.traceparent } : {}),
    });
    if (outcome === 'noEntry') {
      deps.log.error('winner’s entry disappeared before the verdict was written', {
        campaignId,
        globalUserId,
        marketId,
      });
      return 'failed';
    }
    return outcome;
  } catch (error) {
    deps.log.error('verdict not saved', { campaignId, globalUserId, marketId, error });
    return 'failed';
  }
}

/**
 * Sends one counts message per campaign and market to the verdict-reporter queue, when
 * configured. Reporting is informational: a failed send is logged, and the fans' selections,
 * which did succeed, are not retried for it.
 */
async function reportVerdicts(
  deliveries: Delivery[],
  outcomes: Outcome[],
  date: string,
  deps: SaveSelectionsDeps,
): Promise<void> {
  if (!deps.verdictReporter || deliveries.length === 0) {
    return;
  }
  const indexes = deliveries.map((_, i) => i);
  const groups = groupBy(indexes, (i) =>
    JSON.stringify([deliveries[i].message.campaignId, deliveries[i].message.marketId]),
  );
  const reports = [...groups.values()].map((group) => {
    const count = { saved: 0, alreadySaved: 0, refreshed: 0, failed: 0 };
    // A fan whose selection lost to another code was already selected, as far as the report goes.
    group.forEach((i) => count[outcomes[i] === 'released' ? 'alreadySaved' : outcomes[i]]++);
    const { campaignId, marketId } = deliveries[group[0]].message;
    return { type: 'selectionVerdicts', campaignId, marketId, count, date };
  });
  const outcome = await deps.verdictReporter.send(reports);
  if (outcome.failed.length > 0) {
    deps.log.error('verdict counts not reported', {
      reports: outcome.failed.map((i) => reports[i]),
      reason: outcome.firstError,
    });
  }
}
