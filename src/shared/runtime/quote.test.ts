import { quote, QUOTE_MAX_CHARS } from './quote';

describe('quote', () => {
  it('gives short values whole, as JSON', () => {
    expect(quote('due')).toBe('"due"');
    expect(quote(7)).toBe('7');
    expect(quote(undefined)).toBe('undefined');
    expect(quote({ type: 'a' })).toBe('{"type":"a"}');
  });

  it('cuts a megabyte value to a short excerpt that says how much was left out', () => {
    const text = quote('x'.repeat(1_000_000));
    expect(text).toBe(`"${'x'.repeat(QUOTE_MAX_CHARS - 1)}…(+999938 chars)`);
    expect(quote({ a: 'y'.repeat(50) }, { maxChars: 10 })).toBe('{"a":"yyyy…(+48 chars)');
  });

  it('never splits a surrogate pair', () => {
    expect(quote('😀'.repeat(10), { maxChars: 4 })).toBe('"😀…(+19 chars)');
  });

  it('redacts as the logger does: secret-named keys inside, or the whole value read from one', () => {
    expect(quote({ type: 'a', Authorization: 'Bearer abc', nested: { idvToken: 'eyJ' } }, { maxChars: 200 })).toBe(
      '{"type":"a","Authorization":"[REDACTED]","nested":{"idvToken":"[REDACTED]"}}',
    );
    expect(quote('Bearer abc', { key: 'authorization' })).toBe('[REDACTED]');
    expect(quote('abc', { key: 'type' })).toBe('"abc"');
  });

  it('survives cycles and BigInt', () => {
    const a: Record<string, unknown> = { n: 1n };
    a.self = a;
    expect(quote(a)).toBe('{"n":"1","self":"[Truncated]"}');
  });
});
