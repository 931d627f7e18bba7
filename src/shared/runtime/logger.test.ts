import { memoryLogger } from '../../../test/doubles/runtime';
import { createLogger, formatError, MAX_LOG_LINE_BYTES, MAX_LOG_STRING_CHARS, redact } from './logger';
import { runWithContext } from './context';

describe('logger', () => {
  it('writes one JSON line with level, tag, message and data', () => {
    const log = memoryLogger('reg-workers:test');
    log.info('hello', { count: 2 });
    expect(log.lines[0]).toMatchObject({
      level: 'info',
      tag: 'reg-workers:test',
      message: 'hello',
      data: { count: 2 },
    });
    expect(Date.parse(log.lines[0].timestamp as string)).not.toBeNaN();
  });

  it('carries the trace id of the work it logs for, so a trace leads to its log lines', () => {
    const log = memoryLogger();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    runWithContext({ worker: 'w', correlationId: 'corr-1', traceparent }, () => log.info('inside'));
    log.info('outside');
    expect(log.lines[0]).toMatchObject({ correlationId: 'corr-1', traceId: '0af7651916cd43dd8448eb211c80319c' });
    expect(log.lines[1]).not.toHaveProperty('traceId');
  });

  it('redacts secret-named keys at any depth, case-insensitively', () => {
    const out = redact(
      { user: 'a', Authorization: 'Bearer x', nested: { privateKey: 'k', list: [{ password: 'p' }] } },
      ['authorization', 'privatekey', 'password'],
    );
    expect(out).toEqual({
      user: 'a',
      Authorization: '[REDACTED]',
      nested: { privateKey: '[REDACTED]', list: [{ password: '[REDACTED]' }] },
    });
  });

  it('survives cycles and serialises errors and non-errors', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redact(a, [])).toEqual({ name: 'a', self: '[Truncated]' });
    expect(formatError(new RangeError('r'))).toMatchObject({ name: 'RangeError', message: 'r' });
    expect(formatError({ code: 1 })).toEqual({ name: 'NonError', message: '{"code":1}' });
  });

  it('drops lines below the configured level', () => {
    const lines: string[] = [];
    const log = createLogger({ tag: 't', level: 'warn', write: (l) => lines.push(l) });
    log.info('no');
    log.debug('no');
    log.warn('yes');
    expect(lines).toHaveLength(1);
  });

  it('cuts every string, keys and message included, to a few KB with a marker of what was left out', () => {
    const log = memoryLogger();
    const big = 'x'.repeat(1024 * 1024);
    log.warn(`record rejected: ${big}`, { reason: big, [big]: 1, list: [big], error: new Error(big) });
    const line = log.lines[0];
    const data = line.data as Record<string, unknown>;
    expect(line.message).toBe(
      `record rejected: ${'x'.repeat(MAX_LOG_STRING_CHARS - 17)}…(+${1024 * 1024 - MAX_LOG_STRING_CHARS + 17} chars)`,
    );
    expect(data.reason).toBe(`${'x'.repeat(MAX_LOG_STRING_CHARS)}…(+${1024 * 1024 - MAX_LOG_STRING_CHARS} chars)`);
    expect(Object.keys(data).every((k) => k.length < MAX_LOG_STRING_CHARS + 20)).toBe(true);
    expect((data.error as { stack: string }).stack.length).toBeLessThan(MAX_LOG_STRING_CHARS + 20);
  });

  it('keeps every line under the byte limit: fixed fields kept, the data replaced by its size', () => {
    const lines: string[] = [];
    const log = createLogger({ tag: 't', write: (l) => lines.push(l) }).child({ campaignId: 'c1' });
    const many = Array.from({ length: 10_000 }, (_, i) => `user-${i}-${'y'.repeat(100)}`);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    runWithContext({ worker: 'w', correlationId: 'corr-1', awsRequestId: 'req-1', traceparent }, () => {
      log.error('code assignment failed', { userIds: many, nested: { more: many } });
      log.error('a small line is whole', { n: 1 });
    });
    expect(lines.every((l) => Buffer.byteLength(l, 'utf8') <= MAX_LOG_LINE_BYTES)).toBe(true);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(first).toEqual({
      timestamp: expect.any(String),
      level: 'error',
      tag: 't',
      message: 'code assignment failed',
      correlationId: 'corr-1',
      awsRequestId: 'req-1',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      campaignId: 'c1',
      omitted: { lineBytes: expect.any(Number), maxLineBytes: MAX_LOG_LINE_BYTES },
    });
    expect((first.omitted as { lineBytes: number }).lineBytes).toBeGreaterThan(1024 * 1024);
    expect(JSON.parse(lines[1])).toMatchObject({ message: 'a small line is whole', data: { n: 1 } });

    // Extra fields that alone break the limit are left out too.
    const wide = createLogger({ tag: 't', write: (l) => lines.push(l) }).child({ users: many });
    wide.info('hello', { n: 1 });
    const last = JSON.parse(lines.at(-1) as string) as Record<string, unknown>;
    expect(Buffer.byteLength(lines.at(-1) as string, 'utf8')).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(last).toMatchObject({
      level: 'info',
      tag: 't',
      message: 'hello',
      omitted: { maxLineBytes: MAX_LOG_LINE_BYTES },
    });
    expect(last.users).toBeUndefined();
  });
});
