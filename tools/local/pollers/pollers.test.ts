import type { InvokeOutcome } from '../lambda/host';
import { applyInputTemplate } from './pipe';
import { failedItemIds } from './sqs';

const ok = (payload: unknown): InvokeOutcome => ({ ok: true, payload, requestId: 'r', durationMs: 1 });

describe('partial batch responses', () => {
  const ids = ['m1', 'm2', 'm3'];

  it('retries exactly the listed items', () => {
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: 'm2' }] }), ids, true)).toEqual(['m2']);
    expect(failedItemIds(ok({ batchItemFailures: [] }), ids, true)).toEqual([]);
    expect(failedItemIds(ok(null), ids, true)).toEqual([]);
  });

  it('treats a function error or an invalid identifier as a failure of the whole batch', () => {
    const error: InvokeOutcome = { ok: false, error: { errorType: 'Error', errorMessage: 'x' }, requestId: 'r', durationMs: 1 };
    expect(failedItemIds(error, ids, true)).toBeUndefined();
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: 'other' }] }), ids, true)).toBeUndefined();
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: '' }] }), ids, true)).toBeUndefined();
  });

  it('ignores batchItemFailures when the mapping does not report them', () => {
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: 'm1' }] }), ids, false)).toEqual([]);
  });
});

describe('pipe input templates', () => {
  const event = { data: { dynamodb: { NewImage: { type: { S: 'registration' } } } }, eventName: 'aws:kinesis:record' };

  it('inserts values as JSON and inside quotes as text, like the dmnd-table-pipe template', () => {
    expect(JSON.parse(applyInputTemplate('{ "type": "registration", "data": <$.data.dynamodb.NewImage> }', event))).toEqual({
      type: 'registration',
      data: { type: { S: 'registration' } },
    });
    expect(applyInputTemplate('{"name": "<$.eventName>"}', event)).toBe('{"name": "aws:kinesis:record"}');
  });
});
