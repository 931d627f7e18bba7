/**
 * retryScore on real local components: messages through a fauxqs queue, scores refreshed in
 * the Entry Service fake (which can refresh only entries it holds).
 */
import type { SQSEvent } from 'aws-lambda';
import { handler } from '../../../src/workers/replication/retryScore';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../../tools/local/emulators/fakes';
import {
  createQueue,
  failures,
  idsWhere,
  localSqsClient,
  roundTrip,
  serviceKeys,
  useLocalConfig,
} from './helpers';

const sqs = localSqsClient();
const keys = serviceKeys();
let fakes: ServiceFakes;
let queueUrl: string;

/** Entries Entry Service holds (as saveEntries would have written them), so their scores can be refreshed. */
function holdEntries(...refs: [string, string][]) {
  for (const [campaignId, userId] of refs) {
    fakes.entries.entries.set(`${campaignId}:${userId}`, { campaignId, userId, globalUserId: userId });
  }
}

const deliver = (bodies: unknown[]): Promise<SQSEvent> => roundTrip(sqs, queueUrl, bodies);

beforeAll(async () => {
  queueUrl = await createQueue(sqs, 'retry-score');
  fakes = await startServiceFakes({ publicKey: keys.publicKey });
  useLocalConfig({ ENTRY_SERVICE_URL: fakes.urls.entries, SERVICE_JWT_PRIVATE_KEY: keys.privateKeyPem });
});
beforeEach(() => fakes.reset());
afterAll(async () => {
  await fakes?.stop();
  sqs.destroy();
});

describe('retryScore', () => {
  it('refreshes the scores of the queued entries once each', async () => {
    holdEntries(['c1', 'u1'], ['c1', 'u2']);
    const event = await deliver([
      { campaignId: 'c1', userId: 'u1', globalUserId: 'g1' },
      { campaignId: 'c1', userId: 'u2' },
      { campaignId: 'c1', userId: 'u1' },
    ]);
    expect(failures(await handler(event))).toEqual([]);
    expect(Object.fromEntries(fakes.entries.refreshed)).toEqual({ 'c1:u1': 1, 'c1:u2': 1 });
  });

  it('retries only the entries Entry Service could not refresh, and rejects malformed messages', async () => {
    holdEntries(['c1', 'u1']);
    const event = await deliver([
      { campaignId: 'c1', userId: 'u1' },
      { campaignId: 'c1', userId: 'unknown' },
      { userId: 'u1' },
      'not json',
    ]);
    expect(failures(await handler(event))).toEqual(
      idsWhere(event, (b) => b.userId === 'unknown' && b.campaignId === 'c1'),
    );
    expect(Object.fromEntries(fakes.entries.refreshed)).toEqual({ 'c1:u1': 1 });
  });

  it('retries every entry when Entry Service is down, and succeeds on redelivery', async () => {
    holdEntries(['c2', 'u1']);
    const event = await deliver([{ campaignId: 'c2', userId: 'u1' }]);
    fakes.entries.failNext({ status: 503, count: 10, path: '/v2/refreshScores' });
    expect(failures(await handler(event))).toEqual([event.Records[0].messageId]);
    fakes.entries.reset();
    holdEntries(['c2', 'u1']);
    expect(failures(await handler(event))).toEqual([]);
    expect(fakes.entries.refreshed.get('c2:u1')).toBe(1);
  });

  it('is harmless to deliver the same message twice: the entry is only refreshed again', async () => {
    holdEntries(['c3', 'u1']);
    const before = structuredClone(Object.fromEntries(fakes.entries.entries));
    const event = await deliver([{ campaignId: 'c3', userId: 'u1' }]);
    expect(failures(await handler(event))).toEqual([]);
    expect(failures(await handler(event))).toEqual([]);
    expect(Object.fromEntries(fakes.entries.entries)).toEqual(before);
    expect(fakes.entries.refreshed.get('c3:u1')).toBe(2);
  });
});
