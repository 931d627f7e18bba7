import type { SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import type { ChangeRecord } from '../../../shared/runtime';
import { memoryLogger } from '../../../../test/doubles/runtime';
import type { SaveEntriesMessage } from '../shared/saveEntriesMessage';
import type { EnqueueDeps } from './enqueueEntries';
import { enqueueEntries } from './enqueueEntries';

const registration = (id: number, extra: Record<string, unknown> = {}) => ({
  PK: 'e:c1',
  SK: `entry#g${id}`,
  type: 'registration',
  globalUserId: `g${id}`,
  needsReplication: true,
  date: { updated: '2026-05-01T10:00:00Z', fanModified: '2026-05-01T10:00:00Z' },
  ...extra,
});
const insert = (id: number, extra?: Record<string, unknown>): ChangeRecord => ({
  sequenceNumber: String(1000 + id),
  operation: 'INSERT',
  tableName: 't',
  keys: { PK: 'e:c1', SK: `entry#g${id}` },
  newItem: registration(id, extra),
});

/**
 * An SQS stand-in recording requests; `refuse` names message bodies' globalUserIds SQS reports as
 * failed on every request, `throwOnCalls` the requests (1-based) that throw.
 */
function sqs(options: { refuse?: string[]; throwOnCalls?: number[] } = {}) {
  const requests: SendMessageBatchCommandInput[] = [];
  const sendBatch: EnqueueDeps['sendBatch'] = async (input) => {
    requests.push(input);
    if (options.throwOnCalls?.includes(requests.length)) {
      throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    }
    const entries = input.Entries ?? [];
    const refused = entries.filter((e) =>
      options.refuse?.includes((JSON.parse(e.MessageBody!) as SaveEntriesMessage).newItem?.globalUserId as string),
    );
    return {
      $metadata: {},
      Successful: entries
        .filter((e) => !refused.includes(e))
        .map((e) => ({ Id: e.Id!, MessageId: `id-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: refused.map((e) => ({ Id: e.Id!, Code: 'InternalError', SenderFault: false })),
    };
  };
  return { requests, sendBatch };
}
const deps = (s: ReturnType<typeof sqs>, over: Partial<EnqueueDeps> = {}): EnqueueDeps => ({
  sendBatch: s.sendBatch,
  queueUrl: 'http://sqs/000000000000/save-entries',
  batchSize: 10,
  log: memoryLogger(),
  retry: { sleep: async () => undefined },
  ...over,
});
const bodies = (s: ReturnType<typeof sqs>) =>
  s.requests.flatMap((r) => (r.Entries ?? []).map((e) => JSON.parse(e.MessageBody!) as SaveEntriesMessage));

describe('enqueueEntries', () => {
  it('sends { operation, newItem, oldItem } messages in requests of at most the configured batch size', async () => {
    const s = sqs();
    const changes = Array.from({ length: 23 }, (_, i) => insert(i));
    const result = await enqueueEntries(changes, deps(s));
    expect(s.requests.map((r) => r.Entries?.length)).toEqual([10, 10, 3]);
    expect(s.requests.every((r) => r.QueueUrl === 'http://sqs/000000000000/save-entries')).toBe(true);
    expect(bodies(s)[0]).toEqual({ operation: 'INSERT', newItem: registration(0) });
    expect(result).toEqual({ failed: [], counts: { skipped: 0, queued: 23 } });
  });

  it('carries each change’s trace as message attributes, counted in the message size', async () => {
    const s = sqs();
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', correlationId: 'corr-1' };
    const bodyBytes = Buffer.byteLength(JSON.stringify({ operation: 'INSERT', newItem: registration(0) }));
    // Room for the body alone, not for the body and its attributes: the change cannot be sent.
    const tight = await enqueueEntries([{ ...insert(0), trace }], deps(s, { maxBytes: bodyBytes + 10 }));
    expect(tight.failed).toEqual(['1000']);
    await enqueueEntries([{ ...insert(0), trace }], deps(s));
    expect(s.requests[0].Entries?.[0].MessageAttributes).toEqual({
      traceparent: { DataType: 'String', StringValue: trace.traceparent },
      correlationId: { DataType: 'String', StringValue: 'corr-1' },
    });
  });

  it('carries both images of a MODIFY and the old image of a REMOVE', async () => {
    const s = sqs();
    const old = registration(1, { needsReplication: false });
    await enqueueEntries(
      [
        { ...insert(1), operation: 'MODIFY', oldItem: old },
        { ...insert(2), operation: 'REMOVE', newItem: undefined, oldItem: registration(2) },
      ],
      deps(s),
    );
    expect(bodies(s)).toEqual([
      { operation: 'MODIFY', newItem: registration(1), oldItem: old },
      { operation: 'REMOVE', oldItem: registration(2) },
    ]);
  });

  it('skips changes that need no replication, counting them, and sends nothing when none remain', async () => {
    const s = sqs();
    const cleared: ChangeRecord = {
      ...insert(1),
      operation: 'MODIFY',
      newItem: registration(1, { needsReplication: false }),
      oldItem: registration(1),
    };
    const result = await enqueueEntries([cleared], deps(s, { queueUrl: '' }));
    expect(s.requests).toEqual([]);
    expect(result).toEqual({ failed: [], counts: { skipped: 1, queued: 0 } });
  });

  it('keeps each request under the byte limit', async () => {
    const s = sqs();
    const big = (id: number) => insert(id, { note: 'x'.repeat(3000) });
    await enqueueEntries([big(1), big(2), big(3), big(4)], deps(s, { maxBytes: 7000 }));
    expect(s.requests.map((r) => r.Entries?.length)).toEqual([2, 2]);
  });

  it('drops the old image of a MODIFY too large to send with it', async () => {
    const s = sqs();
    const change: ChangeRecord = {
      ...insert(1, { note: 'n'.repeat(3000) }),
      operation: 'MODIFY',
      oldItem: registration(1, { note: 'o'.repeat(3000) }),
    };
    const result = await enqueueEntries([change], deps(s, { maxBytes: 4000 }));
    expect(bodies(s)).toEqual([{ operation: 'MODIFY', newItem: change.newItem }]);
    expect(result.failed).toEqual([]);
  });

  it('fails a change that cannot fit in one message at all, and still sends the rest', async () => {
    const s = sqs();
    const result = await enqueueEntries(
      [insert(1, { note: 'x'.repeat(5000) }), insert(2)],
      deps(s, { maxBytes: 4000 }),
    );
    expect(result.failed).toEqual(['1001']);
    expect(bodies(s).map((b) => b.newItem?.globalUserId)).toEqual(['g2']);
  });

  it('reports exactly the records whose entries SQS refused, by sequence number', async () => {
    const s = sqs({ refuse: ['g3', 'g14'] });
    const result = await enqueueEntries(
      Array.from({ length: 15 }, (_, i) => insert(i)),
      deps(s),
    );
    expect(result.failed.sort()).toEqual(['1003', '1014']);
    expect(result.counts).toEqual({ skipped: 0, queued: 13 });
  });

  it('fails every record of a request that keeps failing as a whole, and only those', async () => {
    // Requests 1 and 2 go out together; request 2 and both of its retries (3, 4) throw.
    const s = sqs({ throwOnCalls: [2, 3, 4] });
    const log = memoryLogger();
    const result = await enqueueEntries(
      Array.from({ length: 12 }, (_, i) => insert(i)),
      deps(s, { log }),
    );
    expect(result.failed).toEqual(['1010', '1011']);
    expect(s.requests.map((r) => r.Entries?.length)).toEqual([10, 2, 2, 2]);
    const logged = log.lines.find((l) => String(l.message).startsWith('save-entries queue did not take'));
    expect(logged?.data).toMatchObject({
      failed: [
        { sequenceNumber: '1010', code: 'ThrottlingException', senderFault: false },
        { sequenceNumber: '1011', code: 'ThrottlingException', senderFault: false },
      ],
    });
  });

  it('sends again, within the invocation, only the messages of a request that failed once', async () => {
    const s = sqs({ throwOnCalls: [2] });
    const result = await enqueueEntries(
      Array.from({ length: 12 }, (_, i) => insert(i)),
      deps(s),
    );
    expect(result).toEqual({ failed: [], counts: { skipped: 0, queued: 12 } });
    expect(s.requests.map((r) => r.Entries?.length)).toEqual([10, 2, 2]);
    expect(bodies(s).map((b) => b.newItem?.globalUserId)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `g${i}`),
      'g10',
      'g11',
    ]);
  });

  it('refuses to run without a queue URL when there is something to send', async () => {
    await expect(enqueueEntries([insert(1)], deps(sqs(), { queueUrl: '' }))).rejects.toThrow(/not configured/);
  });

  it('rejects a change without the image its operation needs, with the reason, and sends the rest', async () => {
    const s = sqs();
    const result = await enqueueEntries(
      [
        { ...insert(1), operation: 'REMOVE', newItem: undefined, oldItem: undefined },
        { ...insert(2), newItem: undefined },
        insert(3),
      ],
      deps(s),
    );
    expect(result.rejected).toEqual([
      { id: '1001', reason: 'REMOVE without its old image: cannot tell what changed' },
      { id: '1002', reason: 'INSERT without its new image: cannot tell what changed' },
    ]);
    expect(result.counts).toEqual({ skipped: 0, queued: 1 });
    expect(bodies(s).map((b) => b.newItem?.globalUserId)).toEqual(['g3']);
  });

  it('rejects a registration change holding a number JSON would round, rather than send it rounded', async () => {
    const s = sqs();
    const rounded: ChangeRecord = {
      ...insert(1, { fields: { ticket_count: Number('12345678901234567890') } }),
      inexactNumbers: ['12345678901234567890'],
    };
    const result = await enqueueEntries([rounded, insert(2)], deps(s));
    expect(result.rejected).toEqual([{ id: '1001', reason: expect.stringContaining('12345678901234567890') }]);
    expect(result.failed).toEqual([]);
    expect(bodies(s).map((b) => b.newItem?.globalUserId)).toEqual(['g2']);
  });

  it('skips, without rejecting, a change it would not replicate anyway whatever its numbers', async () => {
    const s = sqs();
    const invite: ChangeRecord = {
      ...insert(1, { type: 'invite' }),
      inexactNumbers: ['12345678901234567890'],
    };
    expect(await enqueueEntries([invite], deps(s, { queueUrl: '' }))).toEqual({
      failed: [],
      counts: { skipped: 1, queued: 0 },
    });
  });

  it('escapes characters SQS refuses in a body', async () => {
    const s = sqs();
    await enqueueEntries([insert(1, { note: 'a\uFFFFb' })], deps(s));
    const raw = s.requests[0].Entries?.[0].MessageBody ?? '';
    expect(raw).not.toMatch(/\uFFFF/);
    expect((JSON.parse(raw) as SaveEntriesMessage).newItem?.note).toBe('a\uFFFFb');
  });
});
