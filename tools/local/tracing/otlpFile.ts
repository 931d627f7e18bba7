/**
 * The local run's OpenTelemetry SDK: spans of every function (each in its worker thread) and of
 * the scenario go to one file, `<run dir>/traces.otlp.jsonl`, as OTLP JSON: one
 * ExportTraceServiceRequest per line, the OpenTelemetry file-exporter format, which the
 * Collector's `otlpjsonfile` receiver and OTLP viewers read. The product code only uses
 * `@opentelemetry/api`; this module is what the ADOT layer (or no layer) is on Lambda
 * (docs/operations.md "Following one record").
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** The trace file of a run directory. */
export const TRACE_FILE = 'traces.otlp.jsonl';

/**
 * Keeps finished spans and appends them, on flush, as one OTLP JSON line to `file()` (nothing is
 * written while `file()` is undefined). A span batch per flush keeps the resource once per line.
 */
class OtlpJsonFileExporter implements SpanExporter {
  private spans: ReadableSpan[] = [];

  constructor(private readonly file: () => string | undefined) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }

  async forceFlush(): Promise<void> {
    const spans = this.spans;
    this.spans = [];
    const file = this.file();
    if (file && spans.length > 0) {
      const line = Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? new Uint8Array()).toString('utf8');
      appendFileSync(file, `${line}\n`);
    }
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

export interface Tracing {
  /** Writes the spans finished so far. */
  flush(): Promise<void>;
}

/**
 * Registers the SDK globally in this thread: AsyncLocalStorage context, W3C trace-context
 * propagation, every span sampled, spans of `serviceName` written to `file()` on flush.
 */
export function registerTracing(serviceName: string, file: () => string | undefined): Tracing {
  const processor = new SimpleSpanProcessor({ exporter: new OtlpJsonFileExporter(file) });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [processor],
    }),
  );
  return { flush: () => processor.forceFlush() };
}

let main: { tracing: Tracing; file?: string } | undefined;

/**
 * Traces of this process (the scenario's own spans) go to `file` from now on (undefined: nowhere).
 * The SDK is registered once per process; a later runtime in the same process (tests) retargets it.
 */
export function traceMainThreadTo(file: string | undefined): Tracing {
  if (!main) {
    const state: { tracing?: Tracing; file?: string } = {};
    state.tracing = registerTracing('local-run', () => state.file);
    main = state as { tracing: Tracing; file?: string };
  }
  main.file = file;
  return main.tracing;
}

/** The tracing of one local run: the trace file, and the thread setup the function host loads. */
export interface RunTracing {
  file: string;
  /** tracing/otlpFile.ts bundled as CommonJS: worker threads load plain JavaScript. */
  setup: string;
  flush(): Promise<void>;
  /** Writes what is left and stops this process's spans going to the run's file. */
  stop(): Promise<void>;
}

/**
 * Starts tracing a run in `workDir`: bundles the thread setup there (from the sources under
 * `root`: tools are themselves bundled, so this file's own path says nothing) and points this
 * process's spans at the run's trace file.
 */
export async function startRunTracing(root: string, workDir: string): Promise<RunTracing> {
  const { build } = await import('esbuild');
  const file = path.join(workDir, TRACE_FILE);
  const setup = path.join(workDir, 'tracing-setup.cjs');
  await build({
    entryPoints: [path.join(root, 'tools', 'local', 'tracing', 'otlpFile.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    outfile: setup,
    logLevel: 'silent',
    external: ['esbuild'],
  });
  writeFileSync(file, '');
  const tracing = traceMainThreadTo(file);
  return {
    file,
    setup,
    flush: () => tracing.flush(),
    async stop() {
      await tracing.flush();
      if (main?.file === file) {
        main.file = undefined;
      }
    },
  };
}
