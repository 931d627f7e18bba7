/**
 * Tracing with the OpenTelemetry API only (docs/operations.md "Following one record"). Without a
 * registered SDK (Lambda without the ADOT layer) every call here is a cheap no-op, yet the W3C
 * `traceparent` still travels with each record, so logs and downstream services share its trace id.
 *
 * Each record carries its trace onward: as the SQS and SNS message attributes `traceparent` and
 * `correlationId`, as Kafka headers of the same names, as the `traceparent` field of a Step
 * Functions or Lambda input, and as the `traceparent` attribute of a demand-table item. A batch
 * worker opens one span per record, a child of the trace that record carried, linked to the
 * invocation's span (the OpenTelemetry messaging conventions for a batch); what the record
 * produces carries that span's context. A missing or malformed `traceparent` starts a new trace
 * (a malformed one is logged); it never fails the record.
 */
import type { Attributes, Context as OtelContext, Link, Span, SpanContext } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { randomFillSync } from 'node:crypto';
import { currentContext, getCorrelationId, runWithContext } from './context';
import type { Logger } from './logger';
import { truncateText } from './logger';

/** Name of the trace context in message attributes, Kafka headers, inputs and demand-table items. */
export const TRACEPARENT = 'traceparent';
/** Name of the correlation id in message attributes and Kafka headers (and `correlationId` of an input). */
export const CORRELATION_ID = 'correlationId';

/** What a record carries on to everything it produces. */
export interface RecordTrace {
  /** W3C trace context (`00-<trace id>-<span id>-<flags>`). */
  traceparent: string;
  correlationId: string;
}

/** The trace a record or an input arrived with, as found (unchecked). */
export interface IncomingTrace {
  traceparent?: unknown;
  correlationId?: unknown;
}

const tracer = () => trace.getTracer('reg-workers');

const TRACEPARENT_PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The span context a W3C `traceparent` names: undefined when there is none (absent or empty),
 * `'malformed'` when it is not a valid trace context (wrong shape, upper-case hex, all-zero ids,
 * version `ff`, extra fields on version 00, longer than 256 characters).
 */
export function parseTraceparent(value: unknown): SpanContext | 'malformed' | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string' || value.length > 256) {
    return 'malformed';
  }
  const m = TRACEPARENT_PATTERN.exec(value);
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) {
    return 'malformed';
  }
  const spanContext: SpanContext = { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16), isRemote: true };
  return trace.isSpanContextValid(spanContext) ? spanContext : 'malformed';
}

/** The `traceparent` of a span context. */
export const formatTraceparent = (sc: SpanContext): string =>
  `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;

/**
 * Random bytes for new trace and span ids, drawn from a pool filled 6 KiB at a time: a
 * randomBytes() call per id cost more than the rest of a record's tracing (issue 31's profile).
 */
const randomPool = { hex: '', offset: 0 };
function randomHex(bytes: number): string {
  const chars = 2 * bytes;
  if (randomPool.offset + chars > randomPool.hex.length) {
    randomPool.hex = randomFillSync(Buffer.allocUnsafe(24 * 256)).toString('hex');
    randomPool.offset = 0;
  }
  randomPool.offset += chars;
  return randomPool.hex.slice(randomPool.offset - chars, randomPool.offset);
}
/** A `traceparent` of a new trace (sampled), for when no SDK made a span to name. */
const newTraceparent = (): string => `00-${randomHex(16)}-${randomHex(8)}-01`;

/**
 * The `traceparent` of `span`; without a valid one (no SDK), `fallback` (the trace the work
 * continues, kept in the invocation context), else a new trace.
 */
export const traceparentOf = (span: Span | undefined, fallback?: string): string => {
  const sc = span?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? formatTraceparent(sc) : (fallback ?? newTraceparent());
};

/** A usable correlation id (a non-empty string of at most 128 characters), or undefined. */
export const usableCorrelationId = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : undefined;

/**
 * The context a span continuing `incoming` starts from: the trace it names, or a new trace (root)
 * when it names none. A malformed one is logged with `what` (which record, which input).
 */
export function continuedContext(
  incoming: unknown,
  log: Pick<Logger, 'warn'>,
  what: Record<string, unknown>,
): { parent: OtelContext; origin?: SpanContext } {
  const origin = parseTraceparent(incoming);
  if (origin === 'malformed') {
    log.warn('malformed traceparent; a new trace starts here', {
      ...what,
      traceparent: truncateText(String(incoming), 80),
    });
  }
  return origin === undefined || origin === 'malformed'
    ? { parent: ROOT_CONTEXT }
    : { parent: trace.setSpanContext(ROOT_CONTEXT, origin), origin };
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The context to start from; default the active one. ROOT_CONTEXT starts a new trace. */
  parent?: OtelContext;
}

/**
 * Runs `fn` inside a new active span; records the exception and marks the span as failed when
 * `fn` throws. Without a registered OpenTelemetry SDK the API is a cheap no-op.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  const spanOptions = { attributes, kind: options.kind };
  return tracer().startActiveSpan(name, spanOptions, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * W3C trace headers for an outgoing call. With a registered SDK the propagator fills them from
 * the active span; without one the active span context is used when valid, else fresh ids, so
 * downstream services can still join their logs to ours.
 */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  carrier.traceparent ??= traceparentOf(trace.getActiveSpan(), currentContext()?.traceparent);
  return carrier;
}

/** The trace of the work running now (the active span), to stamp on what it produces. */
export const currentTrace = (): RecordTrace => ({
  traceparent: traceHeaders().traceparent,
  correlationId: getCorrelationId(),
});

/**
 * Runs `fn` inside the trace of one record, so its calls and messages continue that record's
 * trace (and carry its correlation id).
 */
export function inRecordTrace<T>(recordTrace: RecordTrace | undefined, fn: () => T): T {
  const sc = parseTraceparent(recordTrace?.traceparent);
  const current = currentContext();
  if (!recordTrace || sc === undefined || sc === 'malformed' || !current) {
    return fn();
  }
  const { traceparent, correlationId } = recordTrace;
  return runWithContext({ ...current, traceparent, correlationId }, () =>
    context.with(trace.setSpanContext(context.active(), sc), fn),
  );
}

/** A string message attribute, as SQS SendMessage(Batch) and SNS Publish(Batch) take it. */
export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

/** The message attributes carrying `t` (two of SQS's and SNS's ten). */
export const traceAttributes = (t: RecordTrace = currentTrace()): Record<string, StringAttribute> => ({
  [TRACEPARENT]: { DataType: 'String', StringValue: t.traceparent },
  [CORRELATION_ID]: { DataType: 'String', StringValue: t.correlationId },
});

/** Bytes message attributes add to a message's size as SQS and SNS count it (name, type, value). */
export const attributeBytes = (attributes: Record<string, StringAttribute>): number =>
  Object.entries(attributes).reduce(
    (n, [name, a]) => n + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
    0,
  );

/** The Kafka headers carrying `t`. */
export const traceKafkaHeaders = (t: RecordTrace): Record<string, string> => ({
  [TRACEPARENT]: t.traceparent,
  [CORRELATION_ID]: t.correlationId,
});

/** One batch's record spans (startRecordSpans). */
export interface RecordSpans {
  /** The trace a record carries on; undefined for an id not in the batch. */
  traceOf(id: string): RecordTrace | undefined;
  /** Ends every record span: `failed` ones (to be retried) and `rejected` ones with their reason as errors. */
  end(failed: Iterable<string>, rejected: readonly { id?: string; reason: string }[]): void;
}

/**
 * Opens one CONSUMER span per record of a batch, named `<worker> process`: a child of the trace
 * the record carried (a new trace when it carried none or a malformed one, which is logged),
 * linked to the active span (the invocation's), which is in turn linked to every record's origin.
 * The correlation id a record carries on is its own when it came with one, else `correlationId`.
 */
export function startRecordSpans(
  worker: string,
  correlationId: string,
  log: Pick<Logger, 'warn'>,
  records: readonly { id: string; incoming: IncomingTrace }[],
): RecordSpans {
  const invocation = trace.getActiveSpan();
  const invocationLinks: Link[] = invocation ? [{ context: invocation.spanContext() }] : [];
  const origins: Link[] = [];
  const spans = new Map<string, { span: Span; trace: RecordTrace }>();
  for (const { id, incoming } of records) {
    const { parent, origin } = continuedContext(incoming.traceparent, log, { id });
    const recordCorrelationId = usableCorrelationId(incoming.correlationId) ?? correlationId;
    const span = tracer().startSpan(
      `${worker} process`,
      {
        kind: SpanKind.CONSUMER,
        links: invocationLinks,
        attributes: { 'messaging.message.id': id, 'correlation.id': recordCorrelationId },
      },
      parent,
    );
    if (origin) {
      origins.push({ context: origin });
    }
    spans.set(id, { span, trace: { traceparent: traceparentOf(span), correlationId: recordCorrelationId } });
  }
  invocation?.addLinks(origins);
  return {
    traceOf: (id) => spans.get(id)?.trace,
    end(failed, rejected) {
      for (const id of failed) {
        spans.get(id)?.span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed; the record will be retried' });
      }
      for (const r of rejected) {
        const span = r.id === undefined ? undefined : spans.get(r.id)?.span;
        span?.setAttribute('record.rejected', r.reason);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: `rejected: ${r.reason}` });
      }
      spans.forEach(({ span }) => span.end());
    },
  };
}
