import { parseGetMarketsInput } from './getMarketsToNotify';

describe('getMarketsToNotify input', () => {
  it('defaults to due mode, as notificationGenerator and a bare invocation expect', () => {
    expect(parseGetMarketsInput(undefined)).toEqual({ mode: 'due' });
    expect(parseGetMarketsInput({})).toEqual({ mode: 'due' });
    expect(parseGetMarketsInput({ mode: 'planning', correlationId: 'x' })).toEqual({ mode: 'planning' });
  });

  it('refuses an unknown mode with a message naming the choices', () => {
    expect(() => parseGetMarketsInput({ mode: 'all' })).toThrow('mode must be "due" or "planning", got "all"');
    expect(() => parseGetMarketsInput([])).toThrow('input must be a JSON object');
  });
});
