import { existsSync } from 'node:fs';
import path from 'node:path';
import { INVENTORY_CODES, STACKS, WORKERS, getWorker, workerEntryPath } from './registry';

const root = path.resolve(__dirname, '../..');

/** The seed's Lambda tables (SEED-infrastructure-resources.md) with DECISIONS.md D's defaults applied. */
const SEED: Record<string, { stack: string; trigger: string; timeout: number; memory: number }> = {
  checkEligibility: { stack: 'registration', trigger: 'appsync', timeout: 30, memory: 256 },
  upsertUsers: { stack: 'registration', trigger: 'sqs', timeout: 30, memory: 256 },
  enqueueEntries: { stack: 'replication', trigger: 'stream', timeout: 30, memory: 256 },
  saveEntries: { stack: 'replication', trigger: 'sqs', timeout: 30, memory: 256 },
  retryScore: { stack: 'replication', trigger: 'sqs', timeout: 30, memory: 256 },
  enqueueMarketSelections: { stack: 'selection', trigger: 'stepFunction', timeout: 900, memory: 1024 },
  saveSelections: { stack: 'selection', trigger: 'sqs', timeout: 30, memory: 256 },
  refreshSelections: { stack: 'selection', trigger: 'sqs', timeout: 30, memory: 256 },
  markAssignedCodes: { stack: 'selection', trigger: 'stream', timeout: 30, memory: 256 },
  processData: { stack: 'dataPipeline', trigger: 'sqs', timeout: 30, memory: 256 },
  sendData: { stack: 'dataPipeline', trigger: 'sqs', timeout: 30, memory: 256 },
  notificationGenerator: { stack: 'notification', trigger: 'schedule', timeout: 30, memory: 256 },
  getMarketsToNotify: { stack: 'notification', trigger: 'invoke', timeout: 30, memory: 256 },
  planSends: { stack: 'notification', trigger: 'stepFunction', timeout: 30, memory: 256 },
  triggerReminderEmail: { stack: 'notification', trigger: 'stepFunction', timeout: 30, memory: 256 },
};

describe('worker registry', () => {
  it('lists exactly the 15 workers of the seed with their stack, trigger, timeout and memory', () => {
    const actual = Object.fromEntries(
      WORKERS.map((w) => [
        w.name,
        { stack: w.stack, trigger: w.trigger.kind, timeout: w.timeoutSeconds, memory: w.memoryMb },
      ]),
    );
    expect(actual).toEqual(SEED);
  });

  it('gives every worker a unique kebab-case name tag', () => {
    const tags = WORKERS.map((w) => w.nameTag);
    expect(new Set(tags).size).toBe(tags.length);
    tags.forEach((t) => expect(t).toMatch(/^[a-z]+(-[a-z]+)*$/));
  });

  it('consumes the seed queues: sendData reads the five typed queues, upsertUsers reads user-info', () => {
    expect(getWorker('sendData').trigger).toEqual({
      kind: 'sqs',
      queues: ['campaign-queue', 'market-queue', 'evt-mapping-queue', 'reg-markets-queue', 'registration-queue'],
    });
    expect(getWorker('upsertUsers').trigger).toEqual({ kind: 'sqs', queues: ['user-info'] });
    expect(getWorker('enqueueEntries').trigger).toMatchObject({ kind: 'stream', dlq: 'enqueue-entries-dlq' });
    expect(getWorker('markAssignedCodes').trigger).toMatchObject({ kind: 'stream', dlq: 'mark-assigned-codes-dlq' });
  });

  it('maps every stack to its inventory code', () => {
    expect(Object.keys(INVENTORY_CODES)).toEqual([...STACKS]);
    expect(INVENTORY_CODES).toEqual({
      registration: 'reg',
      replication: 'reg-replica',
      selection: 'reg-sel',
      dataPipeline: 'reg-data',
      notification: 'reg-ntfcn',
    });
  });

  it('names the known workers when asked for an unknown one', () => {
    expect(() => getWorker('nope')).toThrow(/Unknown worker "nope". Known workers: checkEligibility/);
  });
});

describe('worker code', () => {
  const implemented = WORKERS.filter((w) => existsSync(path.join(root, workerEntryPath(w))));
  const pending = WORKERS.filter((w) => !implemented.includes(w));

  // A worker listed before its code exists is reported as pending (todo) on every run, never a silent pass.
  pending.forEach((w) => it.todo(`${w.name}: handler not implemented yet (${workerEntryPath(w)})`));

  if (implemented.length > 0) {
    it.each(implemented.map((w) => [w.name, w] as const))('%s exports a handler function', async (_name, w) => {
      const mod = await import(path.join(root, workerEntryPath(w)));
      expect(typeof mod.handler).toBe('function');
    });
  }
});
