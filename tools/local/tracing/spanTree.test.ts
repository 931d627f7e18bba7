import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSpans, spanTree } from './spanTree';

// Two traces as the local run writes them (OTLP JSON lines): a registration (trace R) whose record
// span in saveEntries links to the batch invocation (trace B) that made the Entry Service call.
const R = 'a'.repeat(32);
const B = 'b'.repeat(32);
const span = (traceId: string, spanId: string, name: string, startMs: number, extra: Record<string, unknown> = {}) => ({
  traceId,
  spanId,
  name,
  startTimeUnixNano: String(startMs * 1e6),
  endTimeUnixNano: String((startMs + 2) * 1e6),
  ...extra,
});
const line = (service: string, spans: unknown[]) =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'reg-workers' }, spans }],
      },
    ],
  });

const dir = mkdtempSync(path.join(tmpdir(), 'span-tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function traceFile(): string {
  const file = path.join(dir, 'traces.otlp.jsonl');
  writeFileSync(
    file,
    [
      line('local-run', [span(R, '1000000000000001', 'register fan', 0)]),
      line('enqueue-entries', [
        span(R, '1000000000000002', 'enqueueEntries process', 1, { parentSpanId: '1000000000000001' }),
      ]),
      line('save-entries', [
        span(B, '2000000000000001', 'worker saveEntries', 3, { links: [{ traceId: R, spanId: '1000000000000003' }] }),
        span(B, '2000000000000002', 'entries POST', 4, {
          parentSpanId: '2000000000000001',
          attributes: [
            { key: 'path', value: { stringValue: '/v2/entries' } },
            { key: 'status', value: { intValue: 200 } },
          ],
        }),
        span(R, '1000000000000003', 'saveEntries process', 3, {
          parentSpanId: '1000000000000002',
          links: [{ traceId: B, spanId: '2000000000000001' }],
          status: { code: 2, message: 'failed; the record will be retried' },
        }),
      ]),
      '',
    ].join('\n'),
  );
  return file;
}

describe('spanTree', () => {
  it('reads the OTLP JSON lines with their service, attributes, links and status', () => {
    const spans = readSpans(traceFile());
    expect(spans).toHaveLength(5);
    expect(spans.find((s) => s.name === 'entries POST')).toMatchObject({
      service: 'save-entries',
      attributes: { path: '/v2/entries', status: 200 },
      parentSpanId: '2000000000000001',
    });
  });

  it('draws each hop under the one before, and the batch invocation a record was processed in under its record', () => {
    expect(spanTree(readSpans(traceFile()), R)).toEqual([
      'register fan  2.0 ms',
      '└─ enqueueEntries process  2.0 ms',
      '   └─ saveEntries process  2.0 ms  ✗ failed; the record will be retried',
      `      └─ ⇢ worker saveEntries  2.0 ms  [trace ${B}]`,
      '         └─ entries POST /v2/entries 200  2.0 ms',
    ]);
  });

  it('counts siblings of one name beyond the limit on one line', () => {
    const spans = readSpans(traceFile());
    const root = spans[0];
    const many = Array.from({ length: 5 }, (_, i) => ({
      ...spans[1],
      spanId: `30000000000000${i}0`,
      startNs: BigInt(i),
      endNs: BigInt(i) + 2_000_000n,
    }));
    const lines = spanTree([root, ...many], R, 2);
    expect(lines).toEqual([
      'register fan  2.0 ms',
      '├─ enqueueEntries process  2.0 ms',
      '├─ enqueueEntries process  2.0 ms',
      '└─ … 3 more enqueueEntries process',
    ]);
  });

  it('is empty for a trace with no span', () => {
    expect(spanTree(readSpans(traceFile()), 'c'.repeat(32))).toEqual([]);
  });
});
