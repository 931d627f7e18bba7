import type { SqsMessage } from '../../../shared/runtime';
import { RejectedRecordError } from '../../../shared/runtime';
import { memoryLogger } from '../../../../test/doubles/runtime';
import type { EntryRef, RefreshScoresResult } from '../../../shared/services/entries';
import type { RetryScoreMessage } from './retryScore';
import { parseRetryScoreMessage, retryScores } from './retryScore';

const msg = (messageId: string, campaignId: string, userId: string): SqsMessage<RetryScoreMessage> => ({
  messageId,
  body: { campaignId, userId },
  messageAttributes: {},
  receiveCount: 1,
  eventSourceArn: 'arn:aws:sqs:us-east-1:0:retry-score',
});

function entries(...answers: (RefreshScoresResult | Error)[]) {
  const calls: EntryRef[][] = [];
  return {
    calls,
    async refreshScores(refs: readonly EntryRef[]) {
      calls.push([...refs]);
      const answer = answers.shift() ?? { refreshedCount: refs.length, failed: [] };
      if (answer instanceof Error) {
        throw answer;
      }
      return answer;
    },
  };
}

describe('parseRetryScoreMessage (DECISIONS.md [12])', () => {
  it('reads campaignId, userId and an optional globalUserId', () => {
    expect(parseRetryScoreMessage({ campaignId: 'c1', userId: 'u1', globalUserId: 'g1', extra: 1 })).toEqual({
      campaignId: 'c1',
      userId: 'u1',
      globalUserId: 'g1',
    });
    expect(parseRetryScoreMessage({ campaignId: 'c1', userId: 'u1' })).toEqual({ campaignId: 'c1', userId: 'u1' });
  });
  it.each([
    null,
    [],
    'x',
    { campaignId: 'c1' },
    { userId: 'u1' },
    { campaignId: ' ', userId: 'u1' },
    { campaignId: 'c1', userId: 5 },
  ])('rejects %p', (body) => {
    expect(() => parseRetryScoreMessage(body)).toThrow(RejectedRecordError);
  });
});

describe('retryScores', () => {
  it('refreshes each entry once, in requests of the configured size', async () => {
    const e = entries();
    const messages = [msg('m1', 'c1', 'u1'), msg('m2', 'c1', 'u2'), msg('m3', 'c1', 'u1'), msg('m4', 'c2', 'u1')];
    const result = await retryScores(messages, { entries: e, batchSize: 2, log: memoryLogger() });
    expect(e.calls).toEqual([
      [
        { campaignId: 'c1', userId: 'u1' },
        { campaignId: 'c1', userId: 'u2' },
      ],
      [{ campaignId: 'c2', userId: 'u1' }],
    ]);
    expect(result).toEqual({ failed: [], counts: { entries: 3, refreshed: 3 } });
  });

  it('fails exactly the messages of the user ids Entry Service names', async () => {
    const result = await retryScores([msg('m1', 'c1', 'u1'), msg('m2', 'c1', 'u2'), msg('m3', 'c1', 'u2')], {
      entries: entries({ refreshedCount: 1, failed: ['u2'] }),
      batchSize: 25,
      log: memoryLogger(),
    });
    expect(result.failed).toEqual(['m2', 'm3']);
  });

  it('fails only the messages of a request that failed as a whole', async () => {
    const result = await retryScores([msg('m1', 'c1', 'u1'), msg('m2', 'c1', 'u2'), msg('m3', 'c1', 'u3')], {
      entries: entries({ refreshedCount: 2, failed: [] }, new Error('entries POST /v2/refreshScores failed with 503')),
      batchSize: 2,
      log: memoryLogger(),
    });
    expect(result.failed).toEqual(['m3']);
  });
});
