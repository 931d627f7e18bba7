import { marshall } from '@aws-sdk/util-dynamodb';
import { appSyncHandler } from './appsync';
import { invokeHandler, requireObject, scheduleHandler } from './direct';
import { InvalidInputError, RejectedRecordError } from './errors';
import { sqsBatchHandler } from './sqs';
import { streamBatchHandler } from './stream';
import { kinesisEvent, memoryLogger, sqsEvent } from '../../../test/doubles/runtime';

const parseOrder = (body: unknown) => {
  const b = body as { id?: unknown };
  if (typeof b?.id !== 'number') {
    throw new RejectedRecordError('id must be a number');
  }
  return { id: b.id };
};

const failures = (r: { batchItemFailures: { itemIdentifier: string }[] }) =>
  r.batchItemFailures.map((f) => f.itemIdentifier);

describe('sqsBatchHandler', () => {
  it('reports only the messages the worker failed, by messageId', async () => {
    const log = memoryLogger();
    const handler = sqsBatchHandler({
      worker: 'w',
      log,
      parse: parseOrder,
      process: async (msgs) => ({ failed: msgs.filter((m) => m.body.id % 2 === 1).map((m) => m.messageId) }),
    });
    const result = await handler(sqsEvent([{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }]));
    expect(failures(result)).toEqual(['msg-1', 'msg-3']);
    const summary = log.lines.find((l) => l.message === 'invocation finished')?.data as Record<string, number>;
    expect(summary).toMatchObject({ received: 4, processed: 2, failed: 2, rejected: 0 });
  });

  it('rejects bad JSON and wrong shapes with a logged reason, and processes the rest', async () => {
    const log = memoryLogger();
    const seen: number[] = [];
    const handler = sqsBatchHandler({
      worker: 'w',
      log,
      parse: parseOrder,
      process: async (msgs) => {
        seen.push(...msgs.map((m) => m.body.id));
        return { failed: [] };
      },
    });
    const result = await handler(sqsEvent(['{not json', { id: 'x' }, { id: 7 }]));
    expect(failures(result)).toEqual([]);
    expect(seen).toEqual([7]);
    const reasons = log.lines
      .filter((l) => l.message === 'record rejected')
      .map((l) => (l.data as { reason: string }).reason);
    expect(reasons).toEqual([expect.stringMatching(/^message body is not valid JSON/), 'id must be a number']);
  });

  it('fails every parsed message when the worker throws, never returning an empty list', async () => {
    const handler = sqsBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: parseOrder,
      process: async () => {
        throw new Error('service down');
      },
    });
    const result = await handler(sqsEvent([{ id: 1 }, { id: 2 }, 'garbage']));
    expect(failures(result)).toEqual(['msg-0', 'msg-1']);
  });

  it('treats a thrown non-Error value like an error', async () => {
    const log = memoryLogger();
    const handler = sqsBatchHandler({
      worker: 'w',
      log,
      parse: parseOrder,
      process: async () => {
        throw 'plain string';
      },
    });
    expect(failures(await handler(sqsEvent([{ id: 1 }])))).toEqual(['msg-0']);
    expect(log.lines.some((l) => l.message === 'batch failed; every record will be retried')).toBe(true);
  });

  it('ignores failure ids that are not in the batch', async () => {
    const handler = sqsBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: parseOrder,
      process: async () => ({ failed: ['not-a-message', 'msg-0', 'msg-0'] }),
    });
    expect(failures(await handler(sqsEvent([{ id: 1 }, { id: 2 }])))).toEqual(['msg-0']);
  });

  it('exposes string message attributes (SNS raw delivery)', async () => {
    let attrs: Record<string, string> = {};
    const handler = sqsBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: (b) => b,
      process: async (msgs) => {
        attrs = msgs[0].messageAttributes;
        return { failed: [] };
      },
    });
    await handler(sqsEvent([{}], { attributes: { type: 'campaign' } }));
    expect(attrs).toEqual({ type: 'campaign' });
  });

  it('rejects a body over the size bound before parsing it', async () => {
    const log = memoryLogger();
    const handler = sqsBatchHandler({ worker: 'w', log, parse: (b) => b, process: async () => ({ failed: [] }) });
    await handler(sqsEvent([`"${'x'.repeat(1024 * 1024 + 10)}"`]));
    const reason = (log.lines.find((l) => l.message === 'record rejected')?.data as { reason: string }).reason;
    expect(reason).toMatch(/over the 1048576-byte limit/);
  });
});

const change = (eventName: string, newItem?: object, oldItem?: object) => ({
  eventName,
  tableName: 'demand',
  dynamodb: {
    ApproximateCreationDateTime: 1764000000000,
    Keys: marshall({ PK: 'e:c1', SK: 'entry#u1' }),
    NewImage: newItem ? marshall(newItem) : undefined,
    OldImage: oldItem ? marshall(oldItem) : undefined,
  },
});

describe('streamBatchHandler', () => {
  it('decodes base64 DynamoDB change records into plain images', async () => {
    const seen: unknown[] = [];
    const handler = streamBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async (records) => {
        seen.push(...records);
        return { failed: [] };
      },
    });
    await handler(
      kinesisEvent([change('MODIFY', { PK: 'e:c1', SK: 'entry#u1', markets: new Set(['b', 'a']), n: 1 }, { n: 0 })]),
    );
    expect(seen).toEqual([
      {
        sequenceNumber: '1000',
        operation: 'MODIFY',
        tableName: 'demand',
        keys: { PK: 'e:c1', SK: 'entry#u1' },
        newItem: { PK: 'e:c1', SK: 'entry#u1', markets: ['a', 'b'], n: 1 },
        oldItem: { n: 0 },
        approximateCreationTime: new Date(1764000000000).toISOString(),
        trace: {
          traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
          correlationId: expect.any(String),
        },
      },
    ]);
  });

  it('reports failures by sequence number and rejects undecodable records', async () => {
    const log = memoryLogger();
    const handler = streamBatchHandler({
      worker: 'w',
      log,
      process: async (records) => ({
        failed: records.filter((r) => r.operation === 'REMOVE').map((r) => r.sequenceNumber),
      }),
    });
    const result = await handler(
      kinesisEvent([
        change('INSERT', { a: 1 }),
        'not json',
        change('REMOVE', undefined, { a: 1 }),
        { eventName: 'WHAT' },
      ]),
    );
    expect(failures(result)).toEqual(['1002']);
    expect(log.lines.filter((l) => l.message === 'record rejected')).toHaveLength(2);
  });

  it('fails the whole batch by sequence number when the worker throws', async () => {
    const handler = streamBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async () => {
        throw new Error('boom');
      },
    });
    expect(failures(await handler(kinesisEvent([change('INSERT', { a: 1 }), change('INSERT', { a: 2 })], 5)))).toEqual([
      '5',
      '6',
    ]);
  });
});

describe('appSyncHandler', () => {
  it('passes event.body (object or JSON string) and returns the result', async () => {
    const handler = appSyncHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async (payload) => ({ ok: true, payload }),
      onError: () => ({ ok: false, payload: null }),
    });
    expect(await handler({ body: { slug: 's' } })).toEqual({ ok: true, payload: { slug: 's' } });
    expect(await handler({ body: '{"slug":"t"}' })).toEqual({ ok: true, payload: { slug: 't' } });
    expect(await handler({ arguments: { input: { slug: 'u' } } })).toEqual({ ok: true, payload: { slug: 'u' } });
  });

  it('never throws: errors become the onError answer and are logged', async () => {
    const log = memoryLogger();
    const handler = appSyncHandler({
      worker: 'w',
      log,
      process: async () => {
        throw new TypeError('bad');
      },
      onError: () => ({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' }),
    });
    expect(await handler({ body: {} })).toEqual({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' });
    expect(log.lines.find((l) => l.level === 'error')?.message).toBe('invocation failed');
  });
});

describe('invokeHandler and scheduleHandler', () => {
  it('returns the output and rethrows errors for the caller', async () => {
    const handler = invokeHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: (e) => {
        const o = requireObject(e);
        if (typeof o.n !== 'number') {
          throw new InvalidInputError('n must be a number');
        }
        return { n: o.n };
      },
      process: async ({ n }) => ({ doubled: n * 2 }),
    });
    expect(await handler({ n: 2 })).toEqual({ doubled: 4 });
    await expect(handler({ n: 'x' })).rejects.toThrow('n must be a number');
    await expect(handler(null)).rejects.toThrow('input must be a JSON object');
  });

  it('gives a scheduled worker the event time and rule', async () => {
    const handler = scheduleHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async (input) => input,
    });
    expect(
      await handler({
        time: '2026-11-25T10:00:00Z',
        resources: ['arn:aws:events:us-east-1:1:rule/notification-schedule'],
      }),
    ).toEqual({ time: '2026-11-25T10:00:00Z', rule: 'arn:aws:events:us-east-1:1:rule/notification-schedule' });
  });

  it('carries the caller correlation id into every log line', async () => {
    const log = memoryLogger();
    const handler = invokeHandler({ worker: 'w', log, parse: (e) => e, process: async () => 'ok' });
    await handler({ correlationId: 'corr-123' });
    expect(log.lines.every((l) => l.correlationId === 'corr-123')).toBe(true);
  });
});

describe('stream image decoding', () => {
  it('drops prototype-reaching keys and never yields BigInt', async () => {
    const seen: Record<string, unknown>[] = [];
    const handler = streamBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async (records) => {
        seen.push(records[0].newItem as Record<string, unknown>);
        return { failed: [] };
      },
    });
    // JSON.parse keeps "__proto__" as an own key, as a stream record decoded from JSON would.
    const image = JSON.parse(
      '{"PK":{"S":"e:c1"},"big":{"N":"123456789012345678901234"},"__proto__":{"M":{"polluted":{"BOOL":true}}},' +
        '"nested":{"M":{"constructor":{"S":"x"},"ok":{"S":"y"}}}}',
    );
    expect(Object.keys(image)).toContain('__proto__');
    await handler(
      kinesisEvent([
        { eventName: 'INSERT', dynamodb: { Keys: { PK: { S: 'e:c1' }, SK: { S: 'entry#u' } }, NewImage: image } },
      ]),
    );
    expect(seen[0]).toEqual({ PK: 'e:c1', big: Number('123456789012345678901234'), nested: { ok: 'y' } });
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => JSON.stringify(seen[0])).not.toThrow();
  });
});

/** What Lambda's runtime answers an Invoke with when the handler throws `error`. */
const invokeErrorAnswer = (error: Error) => ({
  errorType: error.name,
  errorMessage: error.message,
  trace: String(error.stack).split('\n'),
});

describe('rejections and faults', () => {
  const failing = (error: unknown) =>
    invokeHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: (e) => e,
      process: async () => {
        throw error;
      },
    });

  it('logs invalid input at warn with its reason and no stack, and answers without source paths', async () => {
    const log = memoryLogger();
    const handler = invokeHandler({
      worker: 'w',
      log,
      parse: (e) => {
        throw new InvalidInputError(`n must be a number, got ${JSON.stringify((e as { n: unknown }).n)}`);
      },
      process: async () => 'never',
    });
    const error = (await handler({ n: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(invokeErrorAnswer(error)).toEqual({
      errorType: 'InvalidInputError',
      errorMessage: 'n must be a number, got "x"',
      trace: ['InvalidInputError: n must be a number, got "x"'],
    });
    expect(log.lines.map((l) => [l.level, l.message, l.data])).toEqual([
      [
        'warn',
        'invocation failed',
        {
          worker: 'w',
          durationMs: expect.any(Number),
          error: { name: 'InvalidInputError', message: 'n must be a number, got "x"' },
        },
      ],
    ]);
  });

  it('treats a rejected AppSync body as the caller’s fault: warn, no stack, no error line', async () => {
    const log = memoryLogger();
    const handler = appSyncHandler({
      worker: 'w',
      log,
      process: async () => 'ok',
      onError: (error) => `refused: ${(error as Error).name}`,
    });
    expect(await handler({ body: '{not json' })).toBe('refused: RejectedRecordError');
    expect(log.lines.map((l) => l.level)).toEqual(['warn']);
    expect(JSON.stringify(log.lines)).not.toMatch(/"stack"|\.ts:\d/);
  });

  it('logs a fault of ours at error with its stack, and still answers without source paths', async () => {
    const log = memoryLogger();
    const handler = invokeHandler({
      worker: 'w',
      log,
      parse: (e) => e,
      process: async () => {
        throw Object.assign(new TypeError('cannot read x'), { code: 'E1' });
      },
    });
    const error = (await handler({}).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { code?: string };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('E1');
    expect(invokeErrorAnswer(error)).toEqual({
      errorType: 'TypeError',
      errorMessage: 'cannot read x',
      trace: ['TypeError: cannot read x'],
    });
    const line = log.lines.find((l) => l.message === 'invocation failed');
    expect(line?.level).toBe('error');
    expect((line?.data as { error: { stack: string } }).error.stack).toMatch(/adapters\.test\.ts:\d+/);
  });

  it('leaves the thrown error itself untouched (it may be shared) and passes non-errors on', async () => {
    const shared = new RangeError('cached failure');
    const stack = shared.stack;
    await expect(failing(shared)({})).rejects.toThrow('cached failure');
    expect(shared.stack).toBe(stack);
    await expect(failing('plain')({})).rejects.toBe('plain');
  });
});
