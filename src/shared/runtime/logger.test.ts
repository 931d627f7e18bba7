import { memoryLogger } from './testing';
import { createLogger, formatError, redact } from './logger';

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
});
