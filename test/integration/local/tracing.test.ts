/**
 * One trace per record across every hop, on a local run of the real stacks (DynamoDB Local, the
 * SQS/SNS emulator, the Kafka mock broker, the Entry Service fake) with the OpenTelemetry SDK the
 * local run registers in every function: a registration written with a `traceparent` is followed
 * from the demand table through enqueueEntries, save-entries, saveEntries and the Entry Service
 * call, and through the pipe, processData, data-sns, the registration queue, sendData and Kafka,
 * in that one trace. Registrations with a malformed or no `traceparent` are processed all the
 * same, each in a new trace, and the malformed one is logged (docs/operations.md).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { readTopic } from '../../../tools/local/emulators/kafka';
import type { LocalRuntime } from '../../../tools/local/runtime';
import type { TraceSpan } from '../../../tools/local/tracing/spanTree';
import { readSpans, spanTree } from '../../../tools/local/tracing/spanTree';
import { entryUpsertsOf, registrationItem, startStacksRuntime, tempDir, waitFor } from './helpers';

const workDir = tempDir('tracing-');
let rt: LocalRuntime;
let spans: TraceSpan[];
const CAMPAIGN = 'c-trace';
// The trace the registration API would have stamped on the item (test fixture ids).
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const ORIGIN_SPAN = 'eee19b7ec3c1b174';
const ORIGIN = `00-${TRACE_ID}-${ORIGIN_SPAN}-01`;
const MALFORMED = 'not-a-traceparent';

const registration = (fan: string, traceparent?: string) =>
  registrationItem(CAMPAIGN, fan, { userId: `u-${fan}`, ...(traceparent === undefined ? {} : { traceparent }) });
const upsertsOf = (fan: string) => entryUpsertsOf(rt, fan);

beforeAll(async () => {
  rt = await startStacksRuntime('tr', workDir);
  const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(rt.components.dynamoDbEndpoint));
  try {
    for (const [fan, traceparent] of [
      ['traced', ORIGIN],
      ['malformed', MALFORMED],
      ['untraced', undefined],
    ] as const) {
      await ddb.send(new PutCommand({ TableName: rt.demandTableName, Item: registration(fan, traceparent) }));
    }
  } finally {
    ddb.destroy();
  }
  await waitFor(
    'the three entries in Entry Service',
    () => ['traced', 'malformed', 'untraced'].every((f) => upsertsOf(f) > 0),
    120_000,
  );
  await rt.waitForIdle({ quietMs: 2_000, timeoutMs: 120_000 });
  spans = readSpans(rt.tracing!.file);
}, 300_000);

afterAll(async () => {
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const inTrace = (name: string, parent: TraceSpan | string) =>
  spans.filter(
    (s) =>
      s.traceId === TRACE_ID &&
      s.name === name &&
      s.parentSpanId === (typeof parent === 'string' ? parent : parent.spanId),
  );
/** The spans a span links to (the batch invocation a record was processed in). */
const linked = (span: TraceSpan) =>
  span.links.map((l) => spans.find((s) => s.traceId === l.traceId && s.spanId === l.spanId)!);
const childrenOf = (span: TraceSpan) =>
  spans.filter((s) => s.traceId === span.traceId && s.parentSpanId === span.spanId);

describe('one trace per record', () => {
  it('follows a registration from the stream to the Entry Service: enqueueEntries → save-entries → saveEntries → POST /v2/entries', () => {
    const [enqueue] = inTrace('enqueueEntries process', ORIGIN_SPAN);
    expect(enqueue).toBeDefined();
    const [save] = inTrace('saveEntries process', enqueue);
    expect(save).toBeDefined();
    expect(save.status.code).not.toBe(2);
    const invocation = linked(save).find((s) => s.name === 'worker saveEntries')!;
    expect(childrenOf(invocation).map((c) => [c.name, c.attributes.path, c.attributes.status])).toContainEqual([
      'entries POST',
      '/v2/entries',
      200,
    ]);
  });

  it('follows the same registration through the pipe to Kafka: processData → data-sns → registration queue → sendData → Kafka', async () => {
    // The INSERT, and the MODIFY that cleared needsReplication (the item still carries the trace).
    const processed = inTrace('processData process', ORIGIN_SPAN);
    expect(processed.length).toBeGreaterThan(0);
    expect(childrenOf(linked(processed[0]).find((s) => s.name === 'worker processData')!).map((c) => c.name)).toContain(
      'sns PublishBatch',
    );
    const sent = processed.flatMap((p) => inTrace('sendData process', p));
    expect(inTrace('sendData process', processed[0]).length).toBeGreaterThanOrEqual(2); // the registration and its registeredMarket
    for (const s of sent) {
      expect(childrenOf(linked(s).find((l) => l.name === 'worker sendData')!).map((c) => c.name)).toEqual([
        'kafka send',
      ]);
    }
    // Kafka consumers can continue it: the record carries the sendData span's context as a header.
    const records = await readTopic(rt.components.kafka.brokers[0], 'registrations');
    const traced = records.filter((r) => (JSON.parse(r.value) as { globalUserId?: string }).globalUserId === 'traced');
    expect(traced.length).toBeGreaterThan(0);
    for (const r of traced) {
      expect(r.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-(${sent.map((s) => s.spanId).join('|')})-01$`));
      expect(r.headers.correlationId).toEqual(expect.any(String));
    }
  });

  it('draws the tree npm start prints: every hop nested under the one before', () => {
    const tree = spanTree(spans, TRACE_ID).join('\n');
    const depth = (pattern: RegExp) => {
      const line = tree.split('\n').find((l) => pattern.test(l));
      expect({ pattern: String(pattern), found: line !== undefined, tree }).toMatchObject({ found: true });
      return line!.search(/[a-z⇢]/);
    };
    expect(depth(/\benqueueEntries process/)).toBeLessThan(depth(/\bsaveEntries process/));
    expect(depth(/\bsaveEntries process/)).toBeLessThan(depth(/entries POST \/v2\/entries 200/));
    expect(depth(/\bprocessData process/)).toBeLessThan(depth(/\bsendData process/));
    expect(depth(/\bsendData process/)).toBeLessThan(depth(/kafka send/));
  });

  it('processes records with a malformed or no traceparent, each in a new trace, and logs the malformed one', () => {
    expect(upsertsOf('malformed')).toBeGreaterThan(0);
    expect(upsertsOf('untraced')).toBeGreaterThan(0);
    // Each new trace starts at enqueueEntries and goes on to saveEntries.
    const newTraces = spans.filter(
      (s) => s.name === 'enqueueEntries process' && !s.parentSpanId && s.traceId !== TRACE_ID,
    );
    const continued = newTraces.filter((root) => childrenOf(root).some((c) => c.name === 'saveEntries process'));
    expect(new Set(continued.map((s) => s.traceId)).size).toBeGreaterThanOrEqual(2);
    const lines = readFileSync(path.join(workDir, 'logs', 'enqueueEntries.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('malformed traceparent'))
      .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as { level: string; data: { traceparent: string } });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ level: 'warn', data: { traceparent: MALFORMED } });
  });
});
