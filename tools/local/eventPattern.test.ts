import { matchesPattern, passesFilters } from './eventPattern';

/** The filters of enqueueEntries' stream mapping (terraform/stacks/replication/enqueueEntries.tf). */
const ENQUEUE_FILTERS = [
  {
    data: {
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { type: { S: ['registration'] }, date: { M: { fanModified: { S: [{ exists: true }] } } } } },
    },
  },
  { data: { eventName: ['REMOVE'], dynamodb: { OldImage: { type: { S: ['registration'] } } } } },
];

const change = (eventName: string, image: Record<string, unknown>, which = 'NewImage') => ({ data: { eventName, dynamodb: { [which]: image } } });

describe('event patterns (Lambda filter criteria, pipes, rules)', () => {
  it('passes a fan-modified registration and a removed one, and filters system-only writes out', () => {
    const fanModified = { type: { S: 'registration' }, date: { M: { fanModified: { S: '2026-01-01T00:00:00Z' } } } };
    expect(passesFilters(ENQUEUE_FILTERS, change('INSERT', fanModified))).toBe(true);
    expect(passesFilters(ENQUEUE_FILTERS, change('MODIFY', { type: { S: 'registration' }, date: { M: {} } }))).toBe(false);
    expect(passesFilters(ENQUEUE_FILTERS, change('INSERT', { ...fanModified, type: { S: 'notification' } }))).toBe(false);
    expect(passesFilters(ENQUEUE_FILTERS, change('REMOVE', { type: { S: 'registration' } }, 'OldImage'))).toBe(true);
  });

  it('matches through lists of objects (the codes list of markAssignedCodes)', () => {
    const pattern = { codes: { L: { M: { id: { S: [{ exists: true }] } } } } };
    expect(matchesPattern(pattern, { codes: { L: [{ M: { marketId: { S: 'm1' } } }, { M: { id: { S: 'C1' } } }] } })).toBe(true);
    expect(matchesPattern(pattern, { codes: { L: [] } })).toBe(false);
  });

  it('supports prefix, suffix, anything-but, numeric, equals-ignore-case, wildcard and $or', () => {
    expect(matchesPattern({ a: [{ prefix: 'reg' }] }, { a: 'registration' })).toBe(true);
    expect(matchesPattern({ a: [{ suffix: '.fifo' }] }, { a: 'q.fifo' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ['>=', 10, '<', 20] }] }, { n: 15 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['>=', 10, '<', 20] }] }, { n: 20 })).toBe(false);
    expect(matchesPattern({ a: [{ 'equals-ignore-case': 'CAMPAIGN' }] }, { a: 'campaign' })).toBe(true);
    expect(matchesPattern({ a: [{ wildcard: 'prd*-dlq' }] }, { a: 'prd2011-x-dlq' })).toBe(true);
    expect(matchesPattern({ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' })).toBe(true);
    expect(matchesPattern({ a: [{ exists: false }] }, { b: 1 })).toBe(true);
  });

  it('lets everything pass when there are no filters', () => {
    expect(passesFilters([], { anything: true })).toBe(true);
  });
});
