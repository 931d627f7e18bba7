import type { Attributes, Span } from '@opentelemetry/api';
import { SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';

const tracer = () => trace.getTracer('reg-workers');

/**
 * Runs `fn` inside a new active span; records the exception and marks the span as failed when
 * `fn` throws. Without a registered OpenTelemetry SDK the API is a cheap no-op.
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
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
 * the active span; without one (no exporter configured) the active span context is used when
 * valid, else fresh ids, so downstream services can still join their logs to ours.
 */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent) {
    const sc = trace.getSpanContext(context.active());
    const valid = sc && trace.isSpanContextValid(sc);
    const traceId = valid ? sc.traceId : randomBytes(16).toString('hex');
    const spanId = valid ? sc.spanId : randomBytes(8).toString('hex');
    const flags = valid ? sc.traceFlags : 1;
    carrier.traceparent = `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
  }
  return carrier;
}
