import { generateKeyPairSync } from 'node:crypto';
import { entryKey, inviteKey } from '../../../shared/aws/keys';
import type { Campaign } from '../../../shared/domain/campaign';
import { memoryLogger } from '../../../../test/doubles/runtime';
import type { EligibilityDeps } from './checkEligibility';
import { IDV_KEY_MISSING, checkEligibility } from './checkEligibility';
import { createIdvVerifier } from './idvToken';
import { handler } from './index';
import { parseEligibilityInput } from './input';

const NOW = new Date('2026-05-01T12:00:00Z');

const campaign: Campaign = {
  id: 'c1',
  slug: 'tour-2026',
  status: 'OPEN',
  date: { open: '2026-04-01T00:00:00Z', close: '2026-06-01T00:00:00Z' },
  markets: [
    { id: 'm1', campaign_id: 'c1' },
    { id: 'm2', campaign_id: 'c1' },
  ],
  preferences: [
    { id: 'email', type: 'email', is_optional: false },
    { id: 'markets', type: 'markets', is_optional: false, additional: { max: 2 } },
    { id: 'allow_marketing', type: 'opt_in', is_optional: true },
  ],
};

function deps(
  c: Campaign | undefined,
  items: { PK: string; SK: string }[] = [],
): EligibilityDeps & { reads: string[] } {
  const reads: string[] = [];
  const find = (key: { PK: string; SK: string }) => {
    reads.push(key.SK);
    return Promise.resolve(items.find((i) => i.PK === key.PK && i.SK === key.SK));
  };
  return {
    reads,
    getCampaign: async (slug) => (c && slug === c.slug ? c : undefined),
    getInvite: (campaignId, type, value) => find(inviteKey(campaignId, type, value)),
    getEntry: (campaignId, id) => find(entryKey(campaignId, id)),
    verifyIdv: () => ({ valid: false, reason: 'test' }),
    allowPreview: false,
    now: () => NOW,
    log: memoryLogger(),
  };
}

const input = (over: Record<string, unknown> = {}) =>
  parseEligibilityInput({
    slug: 'tour-2026',
    entry: { email: ' Fan@Example.com ', markets: ['m2', 'm1'], allow_marketing: true },
    userInfo: { globalUserId: 'fan-1', email: 'fan@example.com', isLoggedIn: 'true' },
    ...over,
  });

describe('checkEligibility', () => {
  it('answers eligible with the normalised fields and nothing else', async () => {
    expect(await checkEligibility(input(), deps(campaign))).toEqual({
      isEligible: true,
      campaignId: 'c1',
      fields: { email: 'fan@example.com', markets: ['m2', 'm1'], allow_marketing: true },
    });
  });

  it('answers CAMPAIGN_NOT_FOUND without a campaign id for an unknown or empty slug', async () => {
    expect(await checkEligibility(input({ slug: 'nope' }), deps(campaign))).toEqual({
      isEligible: false,
      reason: 'CAMPAIGN_NOT_FOUND',
    });
    expect(await checkEligibility(input({ slug: undefined }), deps(campaign))).toEqual({
      isEligible: false,
      reason: 'CAMPAIGN_NOT_FOUND',
    });
  });

  it('answers CAMPAIGN_CLOSED with the campaign id, before reading any gate', async () => {
    const d = deps({ ...campaign, status: 'CLOSED', options: { gate: { inviteOnly: 'email' } } });
    expect(await checkEligibility(input(), d)).toEqual({
      isEligible: false,
      reason: 'CAMPAIGN_CLOSED',
      campaignId: 'c1',
    });
    expect(d.reads).toEqual([]);
  });

  it('returns the gate reason with the campaign id', async () => {
    const d = deps({ ...campaign, options: { gate: { inviteOnly: 'email' } } });
    expect(await checkEligibility(input(), d)).toEqual({ isEligible: false, reason: 'NO_INVITE', campaignId: 'c1' });
  });

  it('checks the gate before the form, so an ineligible fan learns that first', async () => {
    const d = deps({ ...campaign, options: { gate: { card: 'VISA' } } });
    expect(await checkEligibility(input({ entry: {} }), d)).toMatchObject({ reason: 'INELIGIBLE_ENTRY' });
  });

  it('answers INVALID_ENTRY naming the field and the problem', async () => {
    expect(
      await checkEligibility(input({ entry: { email: 'fan@example.com', markets: ['m3'] } }), deps(campaign)),
    ).toEqual({
      isEligible: false,
      reason: 'INVALID_ENTRY',
      campaignId: 'c1',
      detail: { field: 'markets', message: 'market "m3" is not a market of this campaign' },
    });
  });

  it('returns linkedCampaignId for a transfer from the linked campaign', async () => {
    const d = deps({ ...campaign, options: { gate: { linkedCampaign: 'prev' } } }, [entryKey('prev', 'fan-1')]);
    expect(await checkEligibility(input({ doTransfer: true }), d)).toEqual({
      isEligible: true,
      campaignId: 'c1',
      fields: { email: 'fan@example.com', markets: ['m2', 'm1'], allow_marketing: true },
      linkedCampaignId: 'prev',
    });
  });

  describe('an idv gate while no IDV issuer key is configured', () => {
    const idvCampaign: Campaign = { ...campaign, options: { gate: { idv: 'asu' } } };
    const idvOptions = { issuer: 'https://idv.example', audience: 'verifiedfan' };
    const run = async (publicKey: string) => {
      const log = memoryLogger();
      const problems: string[] = [];
      const d: EligibilityDeps = {
        ...deps(idvCampaign),
        verifyIdv: createIdvVerifier({ ...idvOptions, publicKey }),
        log,
        onConfigurationError: (problem) => problems.push(problem),
      };
      const result = await checkEligibility(input({ entry: { idvToken: 'a.b.c' } }), d);
      return { result, problems, errors: log.lines.filter((l) => l.level === 'error') };
    };

    it('refuses the fan with IDV_REQUIRED, logs a configuration error naming the key, and counts it', async () => {
      const { result, problems, errors } = await run('');
      expect(result).toEqual({ isEligible: false, reason: 'IDV_REQUIRED', campaignId: 'c1' });
      expect(errors).toEqual([
        expect.objectContaining({
          message: IDV_KEY_MISSING,
          data: expect.objectContaining({
            campaignId: 'c1',
            gate: 'idv',
            problem: 'no IDV public key is configured (eligibility.idv.publicKey)',
          }),
        }),
      ]);
      expect(IDV_KEY_MISSING).toContain('idv gate with no usable eligibility.idv.publicKey');
      expect(problems).toEqual(['no IDV public key is configured (eligibility.idv.publicKey)']);
    });

    it('does the same for a key that is not a public key', async () => {
      const { result, problems, errors } = await run('-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----');
      expect(result).toMatchObject({ reason: 'IDV_REQUIRED' });
      expect(errors.map((e) => e.message)).toEqual([IDV_KEY_MISSING]);
      expect(problems).toEqual([expect.stringMatching(/not a valid public key/)]);
    });

    it('logs no error and counts nothing when the key is usable and only the fan\'s token is bad', async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const { result, problems, errors } = await run(publicKey.export({ type: 'spki', format: 'pem' }).toString());
      expect(result).toMatchObject({ reason: 'IDV_REQUIRED' });
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
    });
  });

  it('lets dependency errors through for the handler to turn into INTERNAL_SERVER_ERROR', async () => {
    const d = { ...deps(campaign), getCampaign: () => Promise.reject(new Error('mongo down')) };
    await expect(checkEligibility(input(), d)).rejects.toThrow('mongo down');
  });
});

describe('parseEligibilityInput', () => {
  it('reads lists given as arrays or comma-separated text, and doTransfer as boolean or text', () => {
    const parsed = parseEligibilityInput({
      slug: ' s ',
      userInfo: { globalUserId: 'g', cardTypes: 'VISA, AMEX', linkedAccounts: ['VERIZON', ' ', 3] },
      doTransfer: 'true',
    });
    expect(parsed).toEqual({
      slug: 's',
      entry: {},
      userInfo: { globalUserId: 'g', cardTypes: ['VISA', 'AMEX'], linkedAccounts: ['VERIZON'] },
      doTransfer: true,
    });
  });

  it('turns missing parts into empty values', () => {
    expect(parseEligibilityInput({})).toEqual({
      slug: '',
      entry: {},
      userInfo: { cardTypes: [], linkedAccounts: [] },
      doTransfer: false,
    });
  });
});

describe('handler', () => {
  it('never throws to AppSync: a broken request is answered INTERNAL_SERVER_ERROR', async () => {
    await expect(handler({ body: '"just a string"' })).resolves.toEqual({
      isEligible: false,
      reason: 'INTERNAL_SERVER_ERROR',
    });
    await expect(handler({ body: '{not json' })).resolves.toEqual({
      isEligible: false,
      reason: 'INTERNAL_SERVER_ERROR',
    });
  });
});
