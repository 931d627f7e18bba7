import { marshall } from '@aws-sdk/util-dynamodb';
import { memoryLogger, kinesisEvent } from '../../../../test/doubles/runtime';
import { streamBatchHandler } from '../../../shared/runtime/stream';
import { memoryCodes } from '../../../../test/doubles/selection';
import type { EntryImage } from './markAssignedCodes';
import { markAssignedCodes } from './markAssignedCodes';

const entry = (campaignId: string, fan: string, codes: string[]) => ({
  PK: `e:${campaignId}`,
  SK: `entry#${fan}`,
  type: 'registration',
  campaignId,
  codes: codes.map((id) => ({ id, marketId: 'm1' })),
});
const change = (eventName: string, newItem?: object, oldItem?: object) => ({
  eventName,
  tableName: 'demand',
  dynamodb: {
    Keys: marshall({ PK: 'e:c1', SK: 'entry#g' }),
    ...(newItem ? { NewImage: marshall(newItem) } : {}),
    ...(oldItem ? { OldImage: marshall(oldItem) } : {}),
  },
});

function setup(failCampaign?: string) {
  const codes = memoryCodes([]);
  const assign = codes.service.assignCodes;
  const perCampaign: Record<string, string[]> = {};
  const log = memoryLogger();
  const handler = streamBatchHandler<EntryImage>({
    worker: 'markAssignedCodes',
    log,
    process: (records) =>
      markAssignedCodes(records, {
        log,
        codes: {
          assignCodes: async (campaignId, list) => {
            if (campaignId === failCampaign) {
              throw new Error('codes down');
            }
            perCampaign[campaignId] = [...(perCampaign[campaignId] ?? []), ...list];
            return assign(campaignId, list);
          },
        },
      }),
  });
  return { handler, perCampaign, log };
}

describe('markAssignedCodes', () => {
  it('sends the codes an entry gained, distinct, one call per campaign', async () => {
    const { handler, perCampaign } = setup();
    const result = await handler(
      kinesisEvent([
        change('MODIFY', entry('c1', 'g1', ['A', 'B']), entry('c1', 'g1', ['A'])),
        change('MODIFY', entry('c1', 'g2', ['SHARED']), entry('c1', 'g2', [])),
        change('MODIFY', entry('c1', 'g3', ['SHARED'])),
        change('MODIFY', entry('c2', 'g1', ['X'])),
      ]),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(perCampaign).toEqual({ c1: ['B', 'SHARED'], c2: ['X'] });
  });

  it('skips records without new codes and changes that are not MODIFY', async () => {
    const { handler, perCampaign, log } = setup();
    await handler(
      kinesisEvent([
        change('MODIFY', entry('c1', 'g1', ['A']), entry('c1', 'g1', ['A'])),
        change('MODIFY', { ...entry('c1', 'g1', []), verdict: true }, entry('c1', 'g1', [])),
        change('INSERT', entry('c1', 'g2', ['B'])),
        change('REMOVE', undefined, entry('c1', 'g3', ['C'])),
      ]),
    );
    expect(perCampaign).toEqual({});
    expect(log.lines.find((l) => l.message === 'invocation finished')?.data).toMatchObject({ skipped: 4, failed: 0 });
  });

  it('fails every record behind a failed call, by sequence number, and only those', async () => {
    const { handler, perCampaign } = setup('c2');
    const result = await handler(
      kinesisEvent(
        [
          change('MODIFY', entry('c2', 'g1', ['X'])),
          change('MODIFY', entry('c1', 'g1', ['A'])),
          change('MODIFY', entry('c2', 'g2', ['Y'])),
        ],
        500,
      ),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '500' }, { itemIdentifier: '502' }]);
    expect(perCampaign).toEqual({ c1: ['A'] });
  });

  it('rejects an entry with new codes but no campaignId', async () => {
    const { handler, log } = setup();
    const result = await handler(kinesisEvent([change('MODIFY', { codes: [{ id: 'A' }] })]));
    expect(result.batchItemFailures).toEqual([]);
    expect(log.lines.find((l) => l.message === 'record rejected')?.data).toMatchObject({
      reason: expect.stringContaining('campaignId must be a non-empty string'),
    });
  });

  it.each([
    ['..', 'campaignId must not be "." or ".."'],
    ['c\u00001', 'campaignId must not contain control characters or unpaired surrogates'],
    ['c'.repeat(129), 'campaignId is longer than 128 characters'],
  ])('rejects an entry with new codes and the campaignId %j, calling nothing', async (campaignId, reason) => {
    const { handler, log, perCampaign } = setup();
    const result = await handler(kinesisEvent([change('MODIFY', { campaignId, codes: [{ id: 'A' }] })]));
    expect(result.batchItemFailures).toEqual([]);
    expect(perCampaign).toEqual({});
    expect(log.lines.find((l) => l.message === 'record rejected')?.data).toMatchObject({
      reason: expect.stringContaining(reason),
    });
  });
});
