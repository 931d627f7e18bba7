import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { SQSEvent } from 'aws-lambda';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { invokeHandler } from './direct';
import { sqsBatchHandler } from './sqs';
import type { RecordTrace } from './tracing';
import { currentTrace, formatTraceparent, inRecordTrace, parseTraceparent, traceAttributes } from './tracing';
import { memoryLogger, sqsEvent } from '../../../test/doubles/runtime';

const A = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const B = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

/** One SQS event whose messages carry the given traceparent attributes (undefined: none). */
function tracedEvent(traceparents: (string | undefined)[]): SQSEvent {
  const event = sqsEvent(traceparents.map((_, id) => ({ id })));
  event.Records.forEach((r, i) => {
    const tp = traceparents[i];
    r.messageAttributes = tp === undefined ? {} : { traceparent: { dataType: 'String', stringValue: tp } };
  });
  return event;
}

/** An SQS worker that keeps the traces its messages carry on, failing the message with id 1. */
function tracingWorker(log = memoryLogger()) {
  const traces: (RecordTrace | undefined)[] = [];
  const handler = sqsBatchHandler({
    worker: 'w',
    log,
    parse: (body) => body as { id: number },
    process: async (messages) => {
      traces.push(...messages.map((m) => m.trace));
      return { failed: messages.filter((m) => m.body.id === 1).map((m) => m.messageId) };
    },
  });
  return { handler, traces, log };
}

describe('parseTraceparent', () => {
  it('reads a W3C trace context', () => {
    expect(parseTraceparent(A)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    expect(formatTraceparent(parseTraceparent(A) as never)).toBe(A);
    // A later version may add fields; version 00 may not.
    expect(parseTraceparent(`01${A.slice(2)}-more`)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('says there is none for absent or empty values', () => {
    expect(parseTraceparent(undefined)).toBeUndefined();
    expect(parseTraceparent(null)).toBeUndefined();
    expect(parseTraceparent('')).toBeUndefined();
  });

  it.each([
    ['upper-case hex', A.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`],
    ['an all-zero span id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['version ff', `ff${A.slice(2)}`],
    ['extra fields on version 00', `${A}-x`],
    ['a short trace id', '00-0af7651916cd43dd-b7ad6b7169203331-01'],
    ['a number', 42],
    ['a very long value', `01${A.slice(2)}-${'x'.repeat(300)}`],
    ['garbage', 'not a traceparent'],
  ])('calls %s malformed', (_, value) => {
    expect(parseTraceparent(value)).toBe('malformed');
  });
});

describe('without an OpenTelemetry SDK (Lambda without the ADOT layer)', () => {
  it('passes each record’s traceparent on unchanged, and starts a new trace for one without', async () => {
    const { handler, traces } = tracingWorker();
    await handler(tracedEvent([A, undefined]));
    expect(traces[0]).toEqual({ traceparent: A, correlationId: expect.any(String) });
    expect(traces[1]?.traceparent).toMatch(TRACEPARENT);
    expect(traces[1]?.traceparent.slice(3, 35)).not.toBe(A.slice(3, 35));
  });

  it('keeps the trace of a direct input for what the invocation produces', async () => {
    const handler = invokeHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: (e) => e,
      process: async () => currentTrace(),
    });
    expect(await handler({ traceparent: B, correlationId: 'c-1' })).toEqual({ traceparent: B, correlationId: 'c-1' });
  });
});

describe('with the OpenTelemetry SDK', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter });
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [processor] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());
  const finished = async () => {
    await processor.forceFlush();
    return exporter.getFinishedSpans();
  };

  it('continues each record’s trace in its own span, linked to the invocation’s, across a mixed batch', async () => {
    const { handler, traces } = tracingWorker();
    const result = await handler(tracedEvent([A, B, undefined]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);

    const spans = await finished();
    const invocation = spans.find((s) => s.name === 'worker w')!;
    const records = spans.filter((s) => s.name === 'w process');
    expect(records).toHaveLength(3);
    // Records 0 and 1 continue the traces they carried; record 2 starts its own.
    expect(records.map((s) => s.spanContext().traceId)).toEqual([
      A.slice(3, 35),
      B.slice(3, 35),
      expect.not.stringMatching(new RegExp(`${A.slice(3, 35)}|${B.slice(3, 35)}`)),
    ]);
    expect(records.map((s) => s.parentSpanContext?.spanId)).toEqual([A.slice(36, 52), B.slice(36, 52), undefined]);
    for (const s of records) {
      expect(s.kind).toBe(SpanKind.CONSUMER);
      expect(s.links.map((l) => l.context.spanId)).toEqual([invocation.spanContext().spanId]);
    }
    // The invocation span (a batch mixes traces) starts its own trace and links to each origin.
    expect(invocation.parentSpanContext).toBeUndefined();
    expect(invocation.links.map((l) => l.context.traceId)).toEqual([A.slice(3, 35), B.slice(3, 35)]);
    // What a record produces carries its own span.
    expect(traces.map((t) => t?.traceparent)).toEqual(records.map((s) => formatTraceparent(s.spanContext())));
    expect(records[1].status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(records[0].status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('processes a record with a malformed traceparent in a new trace and logs it', async () => {
    const { handler, traces, log } = tracingWorker();
    const result = await handler(tracedEvent(['00-zz-not-hex', A]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]); // the worker fails id 1, not id 0
    expect(traces).toHaveLength(2);
    expect(traces[0]?.traceparent).toMatch(TRACEPARENT);
    const records = (await finished()).filter((s) => s.name === 'w process');
    expect(records[0].parentSpanContext).toBeUndefined();
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'malformed traceparent; a new trace starts here',
        data: { id: 'msg-0', traceparent: '00-zz-not-hex' },
      }),
    );
  });

  it('makes a direct input’s trace the parent of the invocation, and inRecordTrace the parent of a call', async () => {
    const handler = invokeHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: (e) => e,
      process: async () => ({
        own: currentTrace().traceparent,
        attributes: inRecordTrace({ traceparent: B, correlationId: 'c-2' }, () => traceAttributes()),
      }),
    });
    const out = await handler({ traceparent: A });
    const [invocation] = await finished();
    expect(invocation.parentSpanContext?.spanId).toBe(A.slice(36, 52));
    expect(invocation.spanContext().traceId).toBe(A.slice(3, 35));
    expect(out.own).toBe(formatTraceparent(invocation.spanContext()));
    expect(out.attributes).toEqual({
      traceparent: { DataType: 'String', StringValue: B },
      correlationId: { DataType: 'String', StringValue: 'c-2' },
    });
  });
});
