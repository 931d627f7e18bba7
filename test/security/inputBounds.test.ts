/**
 * Input sizes are bounded before parsing: each trigger adapter refuses a record over 1 MiB (the
 * SQS and Kinesis record limit; also the bound for an AppSync body) without handing it to
 * JSON.parse or to the worker, and says why. Service responses are bounded too (10 MiB).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appSyncHandler } from '../../src/shared/runtime/appsync';
import { MAX_RECORD_BYTES } from '../../src/shared/runtime/errors';
import { sqsBatchHandler } from '../../src/shared/runtime/sqs';
import { streamBatchHandler } from '../../src/shared/runtime/stream';
import { kinesisEvent, memoryLogger, sqsEvent } from '../doubles/runtime';
import { DEFAULT_MAX_RESPONSE_BYTES, createServiceClient } from '../../src/shared/services/http';

/** A JSON text of exactly `bytes` bytes. */
const jsonOf = (bytes: number) => {
  const base = JSON.stringify({ padding: '' }).length;
  return JSON.stringify({ padding: 'x'.repeat(bytes - base) });
};

const OVER = jsonOf(MAX_RECORD_BYTES + 1);
const AT = jsonOf(MAX_RECORD_BYTES);

/** Runs `fn` and returns whether JSON.parse was ever given `text`. */
async function parsedDuring(text: string, fn: () => Promise<unknown>): Promise<boolean> {
  const parse = jest.spyOn(JSON, 'parse');
  try {
    await fn();
    return parse.mock.calls.some(([arg]) => arg === text);
  } finally {
    parse.mockRestore();
  }
}

const reasonOf = (log: ReturnType<typeof memoryLogger>, id: string) =>
  (
    log.lines.find((l) => l.message === 'record rejected' && (l.data as { id?: string }).id === id)?.data as {
      reason?: string;
    }
  )?.reason;

describe('records over 1 MiB are refused before parsing', () => {
  it('SQS: rejected with the size as the reason, not parsed, not seen by the worker, not retried', async () => {
    const log = memoryLogger();
    const seen: unknown[] = [];
    const handler = sqsBatchHandler({
      worker: 'bounds',
      log,
      parse: (body) => body,
      process: async (messages) => {
        seen.push(...messages.map((m) => m.messageId));
        return { failed: [] };
      },
    });
    let response;
    expect(
      await parsedDuring(OVER, async () => (response = await handler(sqsEvent([OVER, AT], { ids: ['over', 'at'] })))),
    ).toBe(false);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(reasonOf(log, 'over')).toBe(
      `message body is ${MAX_RECORD_BYTES + 1} bytes, over the ${MAX_RECORD_BYTES}-byte limit`,
    );
    expect(seen).toEqual(['at']);
  });

  it('Kinesis: rejected with the size as the reason, not parsed, not seen by the worker', async () => {
    const log = memoryLogger();
    const seen: unknown[] = [];
    const handler = streamBatchHandler({
      worker: 'bounds',
      log,
      process: async (records) => {
        seen.push(...records);
        return { failed: [] };
      },
    });
    const event = kinesisEvent([OVER], 7);
    let response;
    expect(await parsedDuring(OVER, async () => (response = await handler(event)))).toBe(false);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(reasonOf(log, '7')).toBe(
      `stream record data is ${MAX_RECORD_BYTES + 1} bytes, over the ${MAX_RECORD_BYTES}-byte limit`,
    );
    expect(seen).toEqual([]);
  });

  it('AppSync: a body over 1 MiB gets the error answer without being parsed or reaching the worker', async () => {
    const log = memoryLogger();
    const seen: unknown[] = [];
    const handler = appSyncHandler({
      worker: 'bounds',
      log,
      process: async (payload) => {
        seen.push(payload);
        return 'answered';
      },
      onError: () => 'refused',
    });
    let answer;
    expect(await parsedDuring(OVER, async () => (answer = await handler({ body: OVER })))).toBe(false);
    expect(answer).toBe('refused');
    expect(seen).toEqual([]);
    expect(JSON.stringify(log.lines)).toContain(`over the ${MAX_RECORD_BYTES}-byte limit`);
  });

  it('counts bytes, not characters: 400,000 three-byte characters are over the limit', async () => {
    const log = memoryLogger();
    const wide = JSON.stringify({ padding: '€'.repeat(400_000) });
    expect(wide.length).toBeLessThan(MAX_RECORD_BYTES);
    const handler = sqsBatchHandler({ worker: 'bounds', log, parse: (b) => b, process: async () => ({ failed: [] }) });
    expect(await parsedDuring(wide, () => handler(sqsEvent([wide], { ids: ['wide'] })))).toBe(false);
    expect(reasonOf(log, 'wide')).toMatch(/over the 1048576-byte limit/);
  });
});

describe('service responses are bounded', () => {
  it('refuses a response body over 10 MiB without reading it all, and does not retry it', async () => {
    let served = 0;
    const server = createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      // 11 MiB of whitespace, streamed without a content-length.
      let left = 11;
      const push = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) {
            res.once('drain', push);
            return;
          }
        }
        res.end('{}');
      };
      push();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = createServiceClient({
        service: 'entries',
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        timeoutMs: 5000,
        retries: 2,
        backoffBaseMs: 1,
        backoffMaxMs: 1,
      });
      await expect(client.request('GET', '/big')).rejects.toMatchObject({
        name: 'ServiceError',
        retryable: false,
        message: expect.stringContaining(`exceeds the ${DEFAULT_MAX_RESPONSE_BYTES}-byte limit`),
      });
      expect(served).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
