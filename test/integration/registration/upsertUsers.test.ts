/**
 * upsertUsers on real local components: user-info messages (EventBridge envelopes and bare
 * users) through a fauxqs queue, upserted in the User Service fake.
 */
import type { SQSEvent } from 'aws-lambda';
import { handler } from '../../../src/workers/registration/upsertUsers';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../../tools/local/emulators/fakes';
import {
  createQueue,
  failures,
  heldDelivery,
  idsWhere,
  localSqsClient,
  roundTrip,
  serviceKeys,
  useLocalConfig,
} from '../replication/helpers';

const sqs = localSqsClient();
const keys = serviceKeys();
let fakes: ServiceFakes;
let queueUrl: string;

/** What the `user-info` EventBridge rule puts on the queue when it targets SQS directly. */
const envelope = (detail: object) => ({
  version: '0',
  id: 'evt-1',
  'detail-type': 'User Updated',
  source: 'tm.identity',
  account: '000000000000',
  time: '2026-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

const deliver = (bodies: unknown[]): Promise<SQSEvent> => roundTrip(sqs, queueUrl, bodies);

beforeAll(async () => {
  queueUrl = await createQueue(sqs, 'user-info');
  fakes = await startServiceFakes({ publicKey: keys.publicKey });
  useLocalConfig({ USER_SERVICE_URL: fakes.urls.users, SERVICE_JWT_PRIVATE_KEY: keys.privateKeyPem });
});
beforeEach(() => fakes.reset());
afterAll(async () => {
  await fakes?.stop();
  sqs.destroy();
});

describe('upsertUsers', () => {
  it('upserts users from EventBridge envelopes and bare bodies, with global_user_id as an alias', async () => {
    const event = await deliver([
      envelope({ globalUserId: 'g1', email: 'one@example.com', firstName: 'Zoë' }),
      { global_user_id: 'g2', email: 'two@example.com', lastName: 'Núñez' },
    ]);
    expect(failures(await handler(event))).toEqual([]);
    expect(Object.fromEntries(fakes.users.users)).toEqual({
      g1: { globalUserId: 'g1', email: 'one@example.com', firstName: 'Zoë' },
      g2: { globalUserId: 'g2', email: 'two@example.com', lastName: 'Núñez' },
    });
    expect(fakes.users.requests).toHaveLength(1);
  });

  it('rejects malformed messages without letting them fail the others', async () => {
    const event = await deliver([
      { email: 'no-id@example.com' },
      { globalUserId: 'g3', email: 'broken' },
      '{oops',
      { globalUserId: 'g4' },
    ]);
    expect(failures(await handler(event))).toEqual([]);
    expect([...fakes.users.users.keys()]).toEqual(['g4']);
  });

  it('retries exactly the messages of the users User Service could not write', async () => {
    fakes.users.failUsers(['g6']);
    const event = await deliver([
      { globalUserId: 'g5' },
      { globalUserId: 'g6', email: 'a@b.co' },
      envelope({ globalUserId: 'g6', firstName: 'Ann' }),
    ]);
    const g6 = idsWhere(
      event,
      (b) => b.globalUserId === 'g6' || (b.detail as { globalUserId?: string } | undefined)?.globalUserId === 'g6',
    );
    expect(g6).toHaveLength(2);
    expect(failures(await handler(event)).sort()).toEqual(g6.sort());
    expect([...fakes.users.users.keys()]).toEqual(['g5']);
  });

  it('retries the whole batch while User Service is down, and succeeds on redelivery', async () => {
    const event = await deliver([{ globalUserId: 'g7' }, { globalUserId: 'g8' }]);
    fakes.users.failNext({ status: 503, count: 10 });
    expect(failures(await handler(event)).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
    fakes.users.reset();
    expect(failures(await handler(event))).toEqual([]);
    expect([...fakes.users.users.keys()].sort()).toEqual(['g7', 'g8']);
  });

  it('delays messages that failed while User Service is down (retry backoff) instead of letting them come back at once', async () => {
    const { event, visibleAfterTimeout } = await heldDelivery(sqs, 'user-info-backoff', [{ globalUserId: 'g10' }]);
    fakes.users.failNext({ status: 503, count: 10 });
    expect(failures(await handler(event))).toEqual([event.Records[0].messageId]);
    expect(await visibleAfterTimeout()).toBe(0);
  });

  it('is harmless to deliver the same messages twice', async () => {
    const event = await deliver([envelope({ globalUserId: 'g9', email: 'nine@example.com' })]);
    expect(failures(await handler(event))).toEqual([]);
    const before = structuredClone(Object.fromEntries(fakes.users.users));
    expect(failures(await handler(event))).toEqual([]);
    expect(Object.fromEntries(fakes.users.users)).toEqual(before);
  });
});
