import type { Item } from '../../../shared/aws/demandTable';
import { entryKey, inviteKey } from '../../../shared/aws/keys';
import type { CampaignGate } from '../../../shared/domain/campaign';
import type { GateDeps, GateRequest } from './gates';
import { GateConfigError, checkGate } from './gates';

const NOW = new Date('2026-05-01T12:00:00Z');

/** An in-memory demand table holding the given items, reached through the real key builders. */
function deps(items: Item[] = [], idvValid = false): GateDeps & { reads: string[] } {
  const byKey = new Map(items.map((i) => [`${i.PK}|${i.SK}`, i]));
  const reads: string[] = [];
  const get = (key: { PK: string; SK: string }) => {
    reads.push(`${key.PK}|${key.SK}`);
    return Promise.resolve(byKey.get(`${key.PK}|${key.SK}`));
  };
  return {
    reads,
    getInvite: (campaignId, type, value) => get(inviteKey(campaignId, type, value)),
    getEntry: (campaignId, globalUserId) => get(entryKey(campaignId, globalUserId)),
    verifyIdv: (token, subject) =>
      idvValid && token === 'good-token' && subject === 'fan-1'
        ? { valid: true }
        : { valid: false, reason: 'bad token' },
    now: () => NOW,
  };
}

const request = (over: Partial<GateRequest> = {}): GateRequest => ({
  campaignId: 'c1',
  userInfo: { globalUserId: 'fan-1', email: 'Fan@Example.com', memberId: 'mem-1', cardTypes: [], linkedAccounts: [] },
  entry: {},
  doTransfer: false,
  ...over,
});
const withUser = (over: Partial<GateRequest['userInfo']>) => request({ userInfo: { ...request().userInfo, ...over } });
const invite = (
  type: 'email' | 'globalUserId' | 'memberId',
  value: string,
  extra: Record<string, unknown> = {},
): Item => ({
  ...inviteKey('c1', type, value),
  type: 'invite',
  ...extra,
});
const linkedEntry: Item = { ...entryKey('prev', 'fan-1'), type: 'registration' };

describe('checkGate (DECISIONS.md [27])', () => {
  it('lets everyone through when the campaign has no gate (or only empty gate values)', async () => {
    expect(await checkGate(undefined, request(), deps())).toEqual({ eligible: true });
    expect(await checkGate({ inviteOnly: undefined, card: '' } as CampaignGate, request(), deps())).toEqual({
      eligible: true,
    });
  });

  describe('inviteOnly', () => {
    it.each([
      ['email', invite('email', 'fan@example.com')],
      ['globalUserId', invite('globalUserId', 'fan-1')],
      ['memberId', invite('memberId', 'mem-1')],
    ] as const)('admits a fan whose %s is on the invite list', async (type, item) => {
      expect(await checkGate({ inviteOnly: type }, request(), deps([item]))).toEqual({ eligible: true });
    });

    it('answers NO_INVITE when the identifier is not on the list or the fan has none', async () => {
      expect(
        await checkGate({ inviteOnly: 'email' }, request(), deps([invite('email', 'other@example.com')])),
      ).toMatchObject({ reason: 'NO_INVITE' });
      expect(
        await checkGate(
          { inviteOnly: 'memberId' },
          withUser({ memberId: undefined }),
          deps([invite('memberId', 'mem-1')]),
        ),
      ).toMatchObject({
        reason: 'NO_INVITE',
      });
    });

    it('treats an invite whose ttl has passed as missing (DynamoDB deletes expired items late)', async () => {
      const expired = invite('email', 'fan@example.com', { ttl: NOW.getTime() / 1000 - 1 });
      const live = invite('email', 'fan@example.com', { ttl: NOW.getTime() / 1000 + 3600 });
      expect(await checkGate({ inviteOnly: 'email' }, request(), deps([expired]))).toMatchObject({
        reason: 'NO_INVITE',
      });
      expect(await checkGate({ inviteOnly: 'email' }, request(), deps([live]))).toEqual({ eligible: true });
    });

    it('refuses to guess on an unknown invite type', async () => {
      await expect(checkGate({ inviteOnly: 'phone' as never }, request(), deps())).rejects.toThrow(GateConfigError);
    });
  });

  describe.each(['linkedCampaign', 'campaignId'] as const)('%s', (key) => {
    const gate: CampaignGate = { [key]: 'prev' };

    it('with doTransfer and an entry in the linked campaign: eligible, naming the linked campaign', async () => {
      expect(await checkGate(gate, request({ doTransfer: true }), deps([linkedEntry]))).toEqual({
        eligible: true,
        linkedCampaignId: 'prev',
      });
    });

    it('without doTransfer and an entry in the linked campaign: LINKED_ENTRY', async () => {
      expect(await checkGate(gate, request(), deps([linkedEntry]))).toMatchObject({
        eligible: false,
        reason: 'LINKED_ENTRY',
      });
    });

    it('without an entry in the linked campaign: INELIGIBLE_ENTRY, transfer or not', async () => {
      expect(await checkGate(gate, request(), deps())).toMatchObject({ reason: 'INELIGIBLE_ENTRY' });
      expect(await checkGate(gate, request({ doTransfer: true }), deps())).toMatchObject({
        reason: 'INELIGIBLE_ENTRY',
      });
    });

    it('admits a fan who already transferred (their entry here came from the linked campaign), so they can edit it', async () => {
      const transferred = { ...entryKey('c1', 'fan-1'), type: 'registration', linkedFrom: 'prev' };
      const elsewhere = { ...entryKey('c1', 'fan-1'), type: 'registration', linkedFrom: 'another' };
      expect(await checkGate(gate, request(), deps([transferred]))).toEqual({ eligible: true });
      expect(await checkGate(gate, request(), deps([elsewhere]))).toMatchObject({ reason: 'INELIGIBLE_ENTRY' });
    });

    it('refuses a fan without a globalUserId without reading the table', async () => {
      const d = deps([linkedEntry]);
      expect(await checkGate(gate, withUser({ globalUserId: undefined }), d)).toMatchObject({
        reason: 'INELIGIBLE_ENTRY',
      });
      expect(d.reads).toEqual([]);
    });
  });

  it('lets a transfer from the linked campaign skip the invite list, but not a fan who does not transfer', async () => {
    const gate: CampaignGate = { linkedCampaign: 'prev', inviteOnly: 'email' };
    expect(await checkGate(gate, request({ doTransfer: true }), deps([linkedEntry]))).toEqual({
      eligible: true,
      linkedCampaignId: 'prev',
    });
    expect(await checkGate(gate, request(), deps([linkedEntry]))).toMatchObject({ reason: 'LINKED_ENTRY' });
  });

  describe('idv', () => {
    it('admits a fan whose entry carries a valid IDV token for them', async () => {
      expect(await checkGate({ idv: 'asu' }, request({ entry: { idvToken: 'good-token' } }), deps([], true))).toEqual({
        eligible: true,
      });
    });
    it('answers IDV_REQUIRED for a missing or invalid token', async () => {
      expect(await checkGate({ idv: 'asu' }, request(), deps([], true))).toMatchObject({ reason: 'IDV_REQUIRED' });
      expect(await checkGate({ idv: 'asu' }, request({ entry: { idvToken: 'forged' } }), deps([], true))).toEqual({
        eligible: false,
        reason: 'IDV_REQUIRED',
        detail: 'bad token',
      });
    });
    it('answers IDV_REQUIRED and names the configuration problem when no issuer key is configured', async () => {
      const unconfigured: GateDeps = {
        ...deps(),
        verifyIdv: () => ({ valid: false, reason: 'no IDV public key is configured', misconfigured: true }),
      };
      expect(await checkGate({ idv: 'asu' }, request({ entry: { idvToken: 'good-token' } }), unconfigured)).toEqual({
        eligible: false,
        reason: 'IDV_REQUIRED',
        detail: 'no IDV public key is configured',
        configurationError: 'no IDV public key is configured',
      });
    });
  });

  describe.each([
    ['card', 'cardTypes', 'VISA'],
    ['linkedAccount', 'linkedAccounts', 'VERIZON'],
  ] as const)('%s', (key, field, value) => {
    it(`admits a fan whose ${field} hold the gate value (any case)`, async () => {
      expect(await checkGate({ [key]: value }, withUser({ [field]: ['AMEX', value.toLowerCase()] }), deps())).toEqual({
        eligible: true,
      });
    });
    it(`answers INELIGIBLE_ENTRY when ${field} do not hold it`, async () => {
      expect(await checkGate({ [key]: value }, withUser({ [field]: ['AMEX'] }), deps())).toMatchObject({
        reason: 'INELIGIBLE_ENTRY',
      });
      expect(await checkGate({ [key]: value }, withUser({ [field]: [] }), deps())).toMatchObject({
        reason: 'INELIGIBLE_ENTRY',
      });
    });
  });

  it('requires every gate the campaign sets, reporting the first that fails', async () => {
    const gate: CampaignGate = { inviteOnly: 'email', card: 'VISA' };
    const d = deps([invite('email', 'fan@example.com')]);
    expect(await checkGate(gate, withUser({ cardTypes: ['VISA'] }), d)).toEqual({ eligible: true });
    expect(await checkGate(gate, withUser({ cardTypes: ['AMEX'] }), d)).toMatchObject({ reason: 'INELIGIBLE_ENTRY' });
    expect(await checkGate(gate, withUser({ email: 'x@example.com', cardTypes: ['VISA'] }), d)).toMatchObject({
      reason: 'NO_INVITE',
    });
  });

  it('fails closed on a gate it does not know or cannot read', async () => {
    await expect(checkGate({ vip: 'yes' } as never, request(), deps())).rejects.toThrow('unknown gate "vip"');
    await expect(checkGate({ card: ['VISA'] } as never, request(), deps())).rejects.toThrow(
      'gate "card" must be a string',
    );
  });
});
