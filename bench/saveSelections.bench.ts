/**
 * saveSelections against the bare client calls doing the same work, in the same run (issue 31):
 * SQS batches of 10 save-selection messages processed by the worker behind its Lambda adapter
 * (sqsBatchHandler with the real parse function and retry backoff), against the Entry and Code
 * Service fakes and DynamoDB Local (the verdict store on the demand table), alternating with
 * batches of other fans done with the bare clients: the same BatchGetItem of the entries, the
 * same conditional code-claim PutItems and verdict UpdateItems (10 in flight, as the worker),
 * and the same Entry Service code-assignment request with fetch. No verdict-reporter queue.
 * Every fan has an entry in the demand table and a scoring record in Entry Service, so both
 * sides take the success path; any message that fails stops the bench. Runs in about 10 s.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createDemandTable as demandTableRepository } from '../src/shared/aws/demandTable';
import { entryKey } from '../src/shared/aws/keys';
import { getConfig } from '../src/shared/config';
import { silentLogger } from '../src/shared/runtime/logger';
import { mapLimit } from '../src/shared/util/mapLimit';
import { sqsBatchHandler } from '../src/shared/runtime/sqs';
import { createCodeService } from '../src/shared/services/codes';
import { createEntryService } from '../src/shared/services/entries';
import type { ServiceName } from '../src/shared/services/http';
import { createServiceClient } from '../src/shared/services/http';
import { createTokenProvider } from '../src/shared/services/jwt';
import { sqsRetryBackoff } from '../src/shared/wiring/retryBackoff';
import type { SaveSelectionMessage } from '../src/workers/selection/shared/messages';
import { parseSaveSelectionMessage } from '../src/workers/selection/shared/messages';
import { saveSelections } from '../src/workers/selection/saveSelections/saveSelections';
import { createVerdictStore } from '../src/workers/selection/saveSelections/verdicts';
import { createDemandTable } from '../tools/local/emulators/dynamodb';
import { startServiceFakes } from '../tools/local/emulators/fakes';
import { sqsEvent } from '../tools/bench/sqsEvent';
import { median, throughput, timedPair } from '../tools/bench/stats';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const SQS_BATCH = 10;
const BATCHES = 50;
/** Unmeasured batches per side first: connections, the worker's first token, JIT. */
const WARMUP_BATCHES = 3;
/** The worker's TABLE_WRITES_IN_FLIGHT (src/workers/selection/saveSelections/saveSelections.ts). */
const WRITES_IN_FLIGHT = 10;
const MARKET = 'm1';

const name = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Entry Service user ids are 24 characters. */
const userIdOf = (n: number) => n.toString(16).padStart(24, '0');
const traceparent = () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

/** Fan `n` of a side: the worker's fans are w…, the bare clients' b…, each with its own user id. */
const fanOf = (side: 'w' | 'b', n: number) => ({
  globalUserId: `${side}${String(n).padStart(6, '0')}`,
  userId: userIdOf((side === 'w' ? 0 : 1_000_000) + n + 1),
});

const message = (campaignId: string, fan: { globalUserId: string; userId: string }): SaveSelectionMessage => ({
  type: 'selection',
  campaignId,
  marketId: MARKET,
  globalUserId: fan.globalUserId,
  userId: fan.userId,
  eventIds: ['ev1'],
  code: `CODE-${fan.globalUserId}`,
  date: { created: '2026-11-25T10:00:00.000Z', start: '2026-12-10T17:00:00.000Z' },
});

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const endpoint = ctx.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error('DYNAMODB_ENDPOINT is not set: the bench runner starts DynamoDB Local and publishes it');
  }
  const { services, selection } = getConfig();
  const tableName = name('bench-save-selections');
  await createDemandTable(endpoint, tableName);
  const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const table = demandTableRepository(doc, tableName);
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fakes = await startServiceFakes({ publicKey: keys.publicKey });
  try {
    const campaignId = randomBytes(12).toString('hex');
    const perSide = WARMUP_BATCHES + BATCHES;
    const fans = (side: 'w' | 'b') => Array.from({ length: perSide * SQS_BATCH }, (_, n) => fanOf(side, n));
    const [workerFans, bareFans] = [fans('w'), fans('b')];
    const everyFan = [...workerFans, ...bareFans];
    ctx.progress(`seeding ${everyFan.length} entries and scoring records`);
    const seeded = await table.batchPut(
      everyFan.map((f) => ({
        ...entryKey(campaignId, f.globalUserId),
        type: 'registration',
        campaignId,
        globalUserId: f.globalUserId,
        userId: f.userId,
        email: `${f.globalUserId}@example.com`,
        fields: { markets: [MARKET] },
      })),
    );
    if (seeded.unprocessed.length > 0) {
      throw new Error(`${seeded.unprocessed.length} entries were not written`);
    }
    fakes.entries.seedScoring(
      campaignId,
      everyFan.map((f) => ({ ...f, score: 1, verdict: true, marketIds: [MARKET] })),
    );

    const getToken = createTokenProvider({
      worker: 'saveSelections',
      issuer: services.jwt.issuer,
      ttlSeconds: services.jwt.ttlSeconds,
      loadPrivateKey: async () => keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const client = (service: ServiceName) =>
      createServiceClient({
        service,
        baseUrl: fakes.urls[service],
        timeoutMs: services.timeoutMs,
        retries: services.retries,
        backoffBaseMs: services.backoffBaseMs,
        backoffMaxMs: services.backoffMaxMs,
        getToken,
        log: silentLogger,
      });
    const entries = createEntryService(client('entries'));
    const codes = createCodeService(client('codes'));
    const verdicts = createVerdictStore(table);
    // As src/workers/selection/saveSelections/index.ts, with the bench's clients and no verdict reporter.
    const worker = sqsBatchHandler({
      worker: 'saveSelections',
      log: silentLogger,
      parse: parseSaveSelectionMessage,
      retryBackoff: sqsRetryBackoff(),
      process: (messages) =>
        saveSelections(messages, {
          entries,
          codes,
          verdicts,
          chunkSize: selection.codeAssignmentChunkSize,
          log: silentLogger,
        }),
    });

    // The bare side: the same requests, made straight with the document client and fetch.
    const token = await getToken();
    const assignUrl = `${fakes.urls.entries.replace(/\/+$/, '')}/${campaignId}/entries/codes`;
    const bare = async (event: SQSEvent) => {
      const batch = event.Records.map((r) => JSON.parse(r.body) as SaveSelectionMessage);
      const cid = batch[0].campaignId;
      const read = await doc.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: batch.map((m) => entryKey(cid, m.globalUserId)) } },
        }),
      );
      if ((read.Responses?.[tableName] ?? []).length !== batch.length || read.UnprocessedKeys?.[tableName]) {
        throw new Error(`bare BatchGet found ${read.Responses?.[tableName]?.length ?? 0} of ${batch.length} entries`);
      }
      await mapLimit(batch, WRITES_IN_FLIGHT, async (m) => {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              PK: `sel:${cid}`,
              SK: `claim#${m.marketId}#${m.globalUserId}`,
              type: 'codeClaim',
              campaignId: cid,
              marketId: m.marketId,
              globalUserId: m.globalUserId,
              code: m.code,
            },
            ConditionExpression: 'attribute_not_exists(PK) OR code = :code',
            ExpressionAttributeValues: { ':code': m.code },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      });
      const response = await fetch(assignUrl, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          'x-correlation-id': randomBytes(8).toString('hex'),
          traceparent: traceparent(),
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify(
          batch.map((m) => ({
            userId: m.userId,
            code: m.code,
            marketId: m.marketId,
            eventIds: m.eventIds,
            date: { start: m.date.start, created: m.date.created },
          })),
        ),
      });
      const body = (await response.json()) as { data?: { failed?: unknown[] } };
      if (!response.ok || (body.data?.failed ?? []).length > 0) {
        throw new Error(`bare code assignment: ${response.status} ${JSON.stringify(body)}`);
      }
      await mapLimit(batch, WRITES_IN_FLIGHT, async (m) => {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: entryKey(cid, m.globalUserId),
            UpdateExpression:
              'SET verdict = :true, codes = list_append(if_not_exists(codes, :none), :code), traceparent = :traceparent ADD #assigned :markets',
            ConditionExpression: 'attribute_exists(PK) AND NOT contains(#assigned, :market)',
            ExpressionAttributeNames: { '#assigned': 'assignedMarkets' },
            ExpressionAttributeValues: {
              ':true': true,
              ':none': [],
              ':code': [{ id: m.code, marketId: m.marketId }],
              ':markets': new Set([m.marketId]),
              ':market': m.marketId,
              ':traceparent': traceparent(),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      });
    };

    const batchOf = (list: typeof workerFans, i: number) =>
      sqsEvent(
        list
          .slice(i * SQS_BATCH, (i + 1) * SQS_BATCH)
          .map((f) => ({ messageId: f.globalUserId, body: JSON.stringify(message(campaignId, f)) })),
        'save-selection',
      );
    const workerMs: number[] = [];
    const bareMs: number[] = [];
    ctx.progress(
      `${perSide} worker batches of ${SQS_BATCH} alternating with ${perSide} bare batches (first ${WARMUP_BATCHES} of each unmeasured)`,
    );
    for (let i = 0; i < perSide; i++) {
      const times = await timedPair(
        i,
        async () => {
          const response = await worker(batchOf(workerFans, i));
          if (response.batchItemFailures.length > 0) {
            throw new Error(`saveSelections failed ${response.batchItemFailures.length} messages of batch ${i}`);
          }
        },
        () => bare(batchOf(bareFans, i)),
      );
      if (i >= WARMUP_BATCHES) {
        workerMs.push(times.worker);
        bareMs.push(times.baseline);
      }
    }

    // Both sides did all their work: every verdict in the table, every code in Entry Service.
    const stored = await table.batchGet(everyFan.map((f) => entryKey(campaignId, f.globalUserId)));
    const withVerdict = stored.filter(
      (item) => item.verdict === true && (item.assignedMarkets as Set<string> | undefined)?.has(MARKET),
    );
    const assigned = fakes.entries
      .scoring(campaignId)
      .filter((r) => r.codes?.some((c) => c.marketId === MARKET && c.id === `CODE-${r.globalUserId}`));
    if (withVerdict.length !== everyFan.length || assigned.length !== everyFan.length) {
      throw new Error(
        `expected ${everyFan.length} verdicts and code assignments, found ${withVerdict.length} and ${assigned.length}`,
      );
    }

    const calls = `one BatchGetItem of the ${SQS_BATCH} entries, ${SQS_BATCH} conditional code-claim PutItems, one Entry Service code-assignment request, ${SQS_BATCH} conditional verdict UpdateItems (${WRITES_IN_FLIGHT} writes in flight)`;
    return [
      {
        name: `saveSelections, SQS batch of ${SQS_BATCH}: messages/s`,
        value: Math.round(throughput(SQS_BATCH, workerMs)),
        unit: 'messages/s',
        baseline: {
          name: 'the same calls made bare (document client and fetch)',
          value: Math.round(throughput(SQS_BATCH, bareMs)),
        },
        summary: { atLeast: 0.7 },
        notes:
          `${BATCHES} batches each, alternating, after ${WARMUP_BATCHES} unmeasured ones; messages over the time in the batches. ` +
          `Worker: sqsBatchHandler (parse, record spans) and saveSelections (dedupe, screen, claim, assign, verdict) making ${calls}. ` +
          `Bare: ${calls}, for other fans. Every message checked to have its verdict and its code assigned`,
      },
      {
        name: `saveSelections, one SQS batch of ${SQS_BATCH} (median)`,
        value: Number(median(workerMs).toFixed(1)),
        unit: 'ms',
        baseline: { name: 'the same calls made bare', value: Number(median(bareMs).toFixed(1)) },
        notes: `min ${Math.min(...workerMs).toFixed(1)}, max ${Math.max(...workerMs).toFixed(1)} ms; bare min ${Math.min(...bareMs).toFixed(1)}, max ${Math.max(...bareMs).toFixed(1)} ms`,
      },
    ];
  } finally {
    await fakes.stop();
    dynamo.destroy();
  }
}
