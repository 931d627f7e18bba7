/**
 * The fault matrix: for each worker, each dependency it calls and each way that dependency
 * fails, the outcome the worker must produce. It is the single source of docs/fault-matrix.md
 * and of the cells the suites run:
 *
 * - each suite (`test/faults/<suite>.test.ts`) implements exactly the cells of its workers and
 *   each cell asserts that the observed outcome is the declared one (so behaviour cannot drift
 *   from this table);
 * - test/faults/matrixDoc.test.ts renders this table and fails while docs/fault-matrix.md differs
 *   (so the document cannot drift from it). `UPDATE_FAULT_MATRIX=1` rewrites the document.
 */

/** What a cell can observe, worded for the document. */
export const OUTCOMES = {
  retried: 'affected records retried, others complete, no loss/duplicate',
  retriedRepeats: 'affected records retried, others complete, no loss; some effects repeat on redelivery',
  retriedCertReloaded:
    'every record retried, nothing sent without TLS; the certificate is read again on the next delivery',
  logged: 'not retried: logged, the records complete',
  fallback: 'no failure: answered from the fallback with the same answer',
  internalError: 'answers INTERNAL_SERVER_ERROR, writes nothing; the same request succeeds once the fault clears',
  runFailed:
    'invocation fails, logged at error with its stack, and the caller sees the error without stack frames; a re-run completes, no loss/duplicate',
  runFailedLeaks:
    'invocation fails, logged at error with its stack, and the caller sees the error without stack frames; a re-run completes, no loss/duplicate, but a side effect stays',
  reported: 'affected items reported in the result and left for the next run, which completes them; no loss/duplicate',
  rejectedAlone:
    'the bad records rejected alone, never retried, nothing sent for them: each logged at warn with its id (its index when it has none) and the reason; the others complete',
} as const;

export type Outcome = keyof typeof OUTCOMES;

export interface Cell {
  worker: string;
  dependency: string;
  failure: string;
  outcome: Outcome;
  /** What the outcome means here, when the outcome's own words are not enough. */
  note?: string;
}

export const SUITES = ['registration', 'replication', 'selection', 'dataPipeline', 'notification'] as const;
export type Suite = (typeof SUITES)[number];

const HTTP = ['5xx', '429', 'timeout', 'connection refused', 'connection dropped'] as const;
const SECRETS = 'Secrets Manager (service JWT key)';

/** One cell per HTTP failure mode of a service, all with the same outcome. */
const http = (worker: string, dependency: string, outcome: Outcome, failures: readonly string[] = HTTP): Cell[] =>
  failures.map((failure) => ({ worker, dependency, failure, outcome }));

const cell = (worker: string, dependency: string, failure: string, outcome: Outcome, note?: string): Cell => ({
  worker,
  dependency,
  failure,
  outcome,
  ...(note ? { note } : {}),
});

/** A failure that is no dependency's: the event itself is hostile. */
const SQS_EVENT = 'Lambda event (SQS)';
const KINESIS_EVENT = 'Lambda event (Kinesis)';

/** What the upsertUsers cells plant in every message and check never reaches User Service. */
const PLANTED_SECRETS =
  'every message also carries an `authorization` and an `idvToken`, and no request, first or retried, holds either';

const KINESIS_REPLAY =
  'Lambda retries a stream from the lowest failed sequence number, so the records after it are delivered again';

export const MATRIX: Record<Suite, readonly Cell[]> = {
  registration: [
    cell(
      'checkEligibility',
      'Redis',
      'timeout (server busy)',
      'fallback',
      'campaign read from MongoDB after the command timeout',
    ),
    cell('checkEligibility', 'Redis', 'server stopped', 'fallback', 'campaign read from MongoDB'),
    cell('checkEligibility', 'MongoDB', 'server error (cache miss)', 'internalError'),
    cell('checkEligibility', 'MongoDB', 'unreachable (cache miss)', 'internalError'),
    cell('checkEligibility', 'DynamoDB', 'throttling (invite read)', 'internalError'),
    cell('checkEligibility', 'DynamoDB', 'connection refused', 'internalError'),
    ...http('upsertUsers', 'User Service', 'retried').map((c) => ({ ...c, note: PLANTED_SECRETS })),
    cell('upsertUsers', 'User Service', 'partial failure response (`failed` ids)', 'retried', PLANTED_SECRETS),
    cell('upsertUsers', SECRETS, 'unavailable at cold start', 'retried'),
    cell(
      'upsertUsers',
      SQS_EVENT,
      'null, a number and records without messageId among valid records',
      'rejectedAlone',
      'no batch item failure without an identifier (Lambda would retry the whole batch); the valid users reach User Service',
    ),
  ],
  replication: [
    cell(
      'enqueueEntries',
      'SQS',
      'SendMessageBatch `Failed` entries',
      'retriedRepeats',
      `${KINESIS_REPLAY}: their messages are queued again and saveEntries absorbs the repeat`,
    ),
    cell('enqueueEntries', 'SQS', 'throttling', 'retried'),
    cell('enqueueEntries', 'SQS', 'connection refused', 'retried'),
    cell(
      'enqueueEntries',
      KINESIS_EVENT,
      'null and a record with an empty sequenceNumber among valid records',
      'rejectedAlone',
      'no batch item failure without an identifier (Lambda would retry the whole batch); the valid changes reach the save-entries queue',
    ),
    cell(
      'enqueueEntries',
      'DynamoDB stream',
      'a registration number beyond 2^53',
      'rejectedAlone',
      'JSON would round it (12345678901234567890 would arrive as 12345678901234567000), so the change is refused, not sent rounded',
    ),
    ...http('saveEntries', 'Entry Service', 'retried'),
    cell('saveEntries', 'Entry Service', 'partial failure response (`failed` ids)', 'retried'),
    cell('saveEntries', 'DynamoDB', 'throttling (staleness read of one entry)', 'retried'),
    cell('saveEntries', 'DynamoDB', 'throttling (needsReplication clear of one entry)', 'retried'),
    cell('saveEntries', 'DynamoDB', 'connection refused', 'retried'),
    cell('saveEntries', SECRETS, 'unavailable at cold start', 'retried'),
    ...http('retryScore', 'Entry Service', 'retried'),
    cell('retryScore', 'Entry Service', 'partial failure response (`failed` ids)', 'retried'),
    cell('retryScore', SECRETS, 'unavailable at cold start', 'retried'),
  ],
  selection: [
    cell('enqueueMarketSelections', 'Campaign Service', '5xx', 'runFailed'),
    cell('enqueueMarketSelections', 'Entry Service', '5xx (scoring page)', 'runFailed'),
    cell('enqueueMarketSelections', 'Code Service', '5xx (reserve)', 'runFailed'),
    cell(
      'enqueueMarketSelections',
      'Code Service',
      'timeout (reserve)',
      'runFailedLeaks',
      'codes reserved by calls that timed out stay reserved until the 24 h reservation lapses',
    ),
    cell(
      'enqueueMarketSelections',
      'SQS',
      'SendMessageBatch `Failed` entries',
      'runFailed',
      'the fans already queued are saved before the re-run, which picks only the rest',
    ),
    cell('enqueueMarketSelections', SECRETS, 'unavailable at cold start', 'runFailed'),
    ...http('saveSelections', 'Entry Service', 'retried'),
    cell('saveSelections', 'Entry Service', 'partial failure response (`failed` ids)', 'retried'),
    cell('saveSelections', 'DynamoDB', 'UnprocessedKeys (entry pre-read)', 'retried'),
    cell('saveSelections', 'DynamoDB', 'throttling (verdict update of one fan)', 'retried'),
    cell('saveSelections', 'DynamoDB', 'throttling (code claim of one fan)', 'retried'),
    cell('saveSelections', 'DynamoDB', 'connection refused', 'retried'),
    cell(
      'saveSelections',
      'SQS (verdict reporter)',
      'SendMessageBatch `Failed` entries',
      'logged',
      'the informational counts message is lost; the fans are not retried for it',
    ),
    cell('saveSelections', SECRETS, 'unavailable at cold start', 'retried'),
    cell('refreshSelections', 'Campaign Service', '5xx', 'retried'),
    cell('refreshSelections', 'Campaign Service', 'timeout', 'retried'),
    cell('refreshSelections', 'Entry Service', '5xx (selected fans page)', 'retried'),
    cell('refreshSelections', 'Entry Service', 'connection dropped', 'retried'),
    cell(
      'refreshSelections',
      'SQS',
      'SendMessageBatch `Failed` entries',
      'retriedRepeats',
      'the market is refreshed again as a whole: its refreshes already sent are sent again, and saveSelections re-sends the same assignment',
    ),
    cell('refreshSelections', 'SQS', 'connection refused', 'retried'),
    cell('refreshSelections', SECRETS, 'unavailable at cold start', 'retried'),
    ...http('markAssignedCodes', 'Code Service', 'retried').map((c) => ({
      ...c,
      note: `${KINESIS_REPLAY}; marking a code assigned again changes nothing`,
    })),
    cell('markAssignedCodes', SECRETS, 'unavailable at cold start', 'retried'),
  ],
  dataPipeline: [
    cell(
      'processData',
      'SNS',
      'PublishBatch `Failed` entries',
      'retriedRepeats',
      'a message is retried as a whole: the records of it that were published (a registration and its registeredMarkets) are published again with the same dedupe.id',
    ),
    cell('processData', 'SNS', 'throttling', 'retried'),
    cell('processData', 'SNS', 'connection refused', 'retried'),
    cell('sendData', 'Kafka', 'broker stopped, then back', 'retried'),
    cell('sendData', 'Kafka', 'connection refused, then back', 'retried'),
    cell('sendData', 'Kafka', 'send to one topic fails', 'retried'),
    cell(
      'sendData',
      'Secrets Manager (kafka-cert)',
      'unavailable',
      'retriedCertReloaded',
      'the local Kafka mock has no TLS, so the send after recovery is not run here',
    ),
  ],
  notification: [
    cell('getMarketsToNotify', 'MongoDB', 'server error', 'runFailed'),
    cell('getMarketsToNotify', 'MongoDB', 'unreachable', 'runFailed'),
    cell(
      'notificationGenerator',
      'DynamoDB',
      'throttling (one reminder write)',
      'reported',
      'the market stays due (not marked notified), its cursor stops before the failed reminder; the next run writes only the missing reminder',
    ),
    cell(
      'notificationGenerator',
      'DynamoDB',
      'throttling (every reminder write)',
      'runFailed',
      'a market none of whose writes succeeded counts as failed; every due market failed, so the run fails; the markets stay due',
    ),
    cell(
      'notificationGenerator',
      'MongoDB',
      'server error (scoring read)',
      'runFailed',
      'every due market failed, so the run fails; the markets stay due',
    ),
    cell('notificationGenerator', 'Lambda (getMarketsToNotify)', 'connection refused', 'runFailed'),
    ...http('planSends', 'Entry Service', 'reported'),
    cell(
      'planSends',
      'Entry Service',
      '5xx on one page of a large campaign',
      'reported',
      "the eligibility request of a campaign with many markets is paged (MAX_ELIGIBILITY_MARKET_IDS_CHARS); only the failed page's markets are in `errors`, the other pages' markets are planned",
    ),
    cell('planSends', 'MongoDB', 'server error (storing one market)', 'reported'),
    cell('planSends', SECRETS, 'unavailable at cold start', 'reported'),
    ...http('triggerReminderEmail', 'Exports Service', 'reported'),
    cell(
      'triggerReminderEmail',
      'MongoDB',
      'server error after the export',
      'reported',
      'the next run gets the PENDING export back from Exports Service instead of creating a second one',
    ),
  ],
};

/** The id of a cell, also its test name. */
export const cellId = (c: Pick<Cell, 'worker' | 'dependency' | 'failure'>): string =>
  `${c.worker} × ${c.dependency} × ${c.failure}`;

const escape = (text: string) => text.replace(/\|/g, '\\|');

/** docs/fault-matrix.md, rendered from MATRIX. */
export function renderFaultMatrix(workerOrder: readonly string[]): string {
  const cells = SUITES.flatMap((suite) => MATRIX[suite].map((c) => ({ ...c, suite })));
  const order = (w: string) => workerOrder.indexOf(w);
  const rows = [...cells]
    .sort((a, b) => order(a.worker) - order(b.worker))
    .map(
      (c) =>
        `| ${c.worker} | ${escape(c.dependency)} | ${escape(c.failure)} | ${escape(OUTCOMES[c.outcome])}${
          c.note ? `: ${escape(c.note)}` : ''
        } |`,
    );
  return [
    '# Fault matrix',
    '',
    '<!-- Generated from test/faults/matrix.ts by test/faults/matrixDoc.test.ts; do not edit by hand.',
    '     Regenerate: UPDATE_FAULT_MATRIX=1 npx jest test/faults/matrixDoc.test.ts --selectProjects integration -->',
    '',
    'Each row is a test in `test/faults/<stack>.test.ts` that drives the worker through its real',
    'trigger adapter against the local components, injects the failure, checks which records are',
    'reported (and that the others completed), clears the failure, delivers the failed records',
    'again the way the trigger would (SQS: the failed messages; Kinesis: from the lowest failed',
    'sequence number on; invocations: the same input, or the next scheduled run) and compares the',
    'final state of the fakes, the table, the queues and the topics with a fault-free run. How',
    'the faults are produced and what the outcomes mean: docs/reliability.md.',
    '',
    `${cells.length} cells over ${new Set(cells.map((c) => c.worker)).size} workers.`,
    '',
    '| Worker | Dependency | Failure | Result |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
