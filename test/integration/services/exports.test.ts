import { createExportsService } from '../../../src/shared/services';
import { clientFor, useServiceFakes } from './setup';

const fakes = useServiceFakes();
const service = () => createExportsService(clientFor(fakes(), 'exports'));

describe('Exports Service client', () => {
  beforeEach(() => fakes().campaigns.seedCampaign({ id: 'c1' }));

  it('creates an export, then returns the running one until it finishes', async () => {
    const first = await service().createExport('c1', { exportType: 'autoReminderEmail' });
    expect(first).toMatchObject({
      exportType: 'autoReminderEmail',
      campaignId: 'c1',
      status: 'PENDING',
      created: true,
      requesterUserId: 'integrationTest',
    });
    expect(first.date.created).toEqual(expect.any(String));

    fakes().exports.setExportStatus(first.id, 'TRIGGERED');
    const again = await service().createExport('c1', { exportType: 'autoReminderEmail' });
    expect(again).toMatchObject({ id: first.id, status: 'TRIGGERED', created: false });

    fakes().exports.setExportStatus(first.id, 'FINISHED');
    const next = await service().createExport('c1', { exportType: 'autoReminderEmail', dateKey: '2026-05-01' });
    expect(next).toMatchObject({ created: true, dateKey: '2026-05-01' });
    expect(next.id).not.toBe(first.id);
  });

  it('is told 400 for an unknown export type or campaign', async () => {
    await expect(service().createExport('c1', { exportType: 'everything' })).rejects.toMatchObject({
      status: 400,
      serviceError: { code: 'InvalidExportType' },
    });
    await expect(service().createExport('nope', { exportType: 'autoReminderEmail' })).rejects.toMatchObject({
      status: 400,
      serviceError: { code: 'CampaignNotFound' },
    });
  });
});
