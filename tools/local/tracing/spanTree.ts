/**
 * Reads the run's trace file (OTLP JSON lines, otlpFile.ts) and draws the tree of one trace:
 * each span under its parent, and under a record's span (`<worker> process`) the batch
 * invocation it was processed in (its link, marked ⇢) with that invocation's calls. That is how
 * one record is followed across every hop (docs/operations.md "Following one record").
 */
import { readFileSync } from 'node:fs';

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** `service.name` of the resource: the function name, or `local-run` for the scenario's own spans. */
  service: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

const valueOf = (v: OtlpValue | undefined): unknown =>
  v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined) ?? v?.doubleValue ?? v?.boolValue;

const attributesOf = (list: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** Every span of a trace file (OTLP JSON, one export request per line). */
export function readSpans(file: string): TraceSpan[] {
  const spans: TraceSpan[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    for (const rs of (JSON.parse(line) as OtlpRequest).resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const s of (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])) {
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          service,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
        });
      }
    }
  }
  return spans;
}

const byStart = (a: TraceSpan, b: TraceSpan) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);

/** One line's text: name, the call's path and status when it is one, duration, and an error's message. */
function describe(span: TraceSpan): string {
  const ms = Number(span.endNs - span.startNs) / 1e6;
  const call = [span.attributes.path, span.attributes.status].filter((x) => x !== undefined).join(' ');
  const error = span.status.code === 2 ? `  ✗ ${span.status.message ?? 'error'}` : '';
  return `${span.name}${call ? ` ${call}` : ''}  ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms${error}`;
}

/**
 * The tree of trace `traceId` as lines: its spans under their parents in start order, and under a
 * span that links to a span of another trace (a record's span and the batch invocation it was
 * processed in) that span and its calls, marked ⇢. A span drawn before is marked `(as above)`;
 * siblings of one name beyond `maxSiblings` are counted on one line. Empty when the trace has no span.
 */
export function spanTree(spans: readonly TraceSpan[], traceId: string, maxSiblings = 2): string[] {
  const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const children = new Map<string, TraceSpan[]>();
  for (const s of spans) {
    if (s.parentSpanId) {
      const key = `${s.traceId}/${s.parentSpanId}`;
      children.set(key, [...(children.get(key) ?? []), s]);
    }
  }
  const lines: string[] = [];
  const shown = new Set<string>();
  // `tree`: a span of the trace; `link`: a span of another trace it links to (⇢); `inLink`: that span's calls.
  type Mode = 'tree' | 'link' | 'inLink';
  const draw = (span: TraceSpan, prefix: string, last: boolean, mode: Mode, top: boolean) => {
    const key = `${span.traceId}/${span.spanId}`;
    const again = shown.has(key) ? ' (as above)' : '';
    // A linked span is of another trace: its id finds the batch's log lines (their traceId).
    const link = mode === 'link' ? '⇢ ' : '';
    const other = mode === 'link' ? `  [trace ${span.traceId}]` : '';
    lines.push(`${prefix}${top ? '' : last ? '└─ ' : '├─ '}${link}${describe(span)}${other}${again}`);
    if (again) {
      return;
    }
    shown.add(key);
    const inner = top ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    // A linked span (a batch invocation) shows its calls, not its own links to the batch's other records.
    const links =
      mode === 'tree'
        ? span.links
            .filter((l) => l.traceId !== span.traceId)
            .map((l) => byId.get(`${l.traceId}/${l.spanId}`))
            .filter((s): s is TraceSpan => s !== undefined)
        : [];
    const next = [
      ...links.map((s) => ({ s, mode: 'link' as Mode })),
      ...(children.get(key) ?? [])
        .sort(byStart)
        .map((s) => ({ s, mode: (mode === 'tree' ? 'tree' : 'inLink') as Mode })),
    ];
    // Many siblings of one name (a selection's winners) show as the first few and a count.
    const count = new Map<string, number>();
    const kept = next.filter((n) => {
      count.set(n.s.name, (count.get(n.s.name) ?? 0) + 1);
      return count.get(n.s.name)! <= maxSiblings;
    });
    const more = [...count].filter(([, n]) => n > maxSiblings).map(([name, n]) => `… ${n - maxSiblings} more ${name}`);
    kept.forEach((n, i) => draw(n.s, inner, i === kept.length - 1 && more.length === 0, n.mode, false));
    more.forEach((line, i) => lines.push(`${inner}${i === more.length - 1 ? '└─ ' : '├─ '}${line}`));
  };
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const roots = inTrace.filter((s) => !s.parentSpanId || !byId.has(`${s.traceId}/${s.parentSpanId}`)).sort(byStart);
  roots.forEach((r) => draw(r, '', true, 'tree', true));
  return lines;
}
