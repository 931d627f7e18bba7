/**
 * The documents upstream producers (the campaign tool, the registration front end) send to
 * data-queue, stand-ins for those systems: used by the unit, integration and fault tests and the
 * data pipeline benchmark.
 */

export const campaignData = (campaignId = 'c1') => ({
  id: campaignId,
  type: 'registration',
  name: 'Zoë World Tour 2026',
  categoryId: 10004,
  subType: 'presale',
  identifier: 'zoe-2026',
  status: 'OPEN',
  referenceTimezone: 'America/New_York',
  domain: { site: 'zoe2026' },
  tour: { name: 'World Tour' },
  date: {
    created: '2026-01-01T00:00:00.000Z',
    updated: '2026-02-03T04:05:06.000Z',
    open: '2026-02-10T15:00:00.000Z',
    close: '2026-02-20T15:00:00.000Z',
    presaleWindowStart: '2026-03-01T15:00:00.000Z',
    presaleWindowEnd: '2026-03-02T15:00:00.000Z',
  },
  artist: { id: 'a1', name: 'Zoë', discovery_id: 'K8vZ917', fanclubName: 'Zoë Club', adpUrl: 'https://x' },
  preferences: [
    { id: 'markets', type: 'markets', is_optional: false, additional: { min: 1, max: 3 } },
    { id: 'allow_marketing', type: 'opt_in', is_optional: true },
  ],
  options: {
    useGenericBranding: false,
    showAccessCode: true,
    automatedReminders: true,
    waitingRoomDuration: 600,
    isLNAA: false,
  },
  locales: [{ id: 'en-US', is_default: true }],
  image: { main: { url: 'https://img/1.png' } },
  markets: [{ id: 'm1' }],
  faqs: { landing: { open: [], closed: [] } },
});

export const marketData = (campaignId = 'c1', marketId = 'm1') => ({
  id: marketId,
  campaign_id: campaignId,
  name: 'New York, NY',
  city: 'New York',
  state: 'NY',
  timezone: 'America/New_York',
  point: { type: 'Point', coordinates: [-73.9857, 40.7484] },
  population: 8_000_000,
  date: {
    created: '2026-01-01T00:00:00.000Z',
    updated: '2026-02-01T00:00:00.000Z',
    notification: '2026-03-01T14:00:00.000Z',
  },
  event: {
    date: '2026-04-01T00:00:00.000Z',
    presaleDateTime: '2026-03-01T15:00:00.000Z',
    ids: ['E1', 'E2'],
    ticketer: 'TM',
    venue: { name: 'Madison Square Garden', id: 'v1' },
  },
  isAddedShow: false,
  promoterIds: ['p1'],
});

export const eventMappingData = (campaignId = 'c1', marketId = 'm1') => ({
  campaignId,
  marketId,
  eventIds: ['E1', 'E2'],
});

/** A demand-table registration entry (DOMAIN 2.3). */
export const registrationEntry = (campaignId = 'c1', globalUserId = 'g1', markets = ['m2', 'm1', 'm3']) => ({
  PK: `e:${campaignId}`,
  SK: `entry#${globalUserId}`,
  type: 'registration',
  campaignId,
  globalUserId,
  systemUserId: 'su1',
  userId: 'u1',
  memberId: 'mem1',
  firstName: 'Zoë',
  lastName: 'Doe',
  email: 'zoe@example.com',
  phoneNumber: '+12125550100',
  locale: 'en-US',
  fields: {
    email: 'zoe@example.com',
    firstName: 'Zoë',
    lastName: 'Doe',
    postalCode: '10001',
    phone: '+12125550100',
    allow_artist_sms: true,
    allow_livenation: false,
    allow_marketing: 'true',
    markets,
  },
  date: {
    created: '2026-02-11T10:00:00.000Z',
    updated: '2026-02-12T10:00:00.000Z',
    fanModified: '2026-02-12T10:00:00.000Z',
  },
  origin: {
    userAgent: 'UA',
    ip: {
      address: '203.0.113.9',
      country: 'US',
      city: 'New York',
      latitude: 40.7,
      longitude: -73.9,
      postal_code: '10001',
      region: 'NY',
    },
    os: { type: 'iOS', version: '17.2' },
    browser: { type: 'Safari', version: '17' },
    nudetect: { session_id: 's1', statusCode: 200, score: 12, scoreBand: 'low', pmd: 'x' },
  },
  attributes: { phonescore: { phoneType: 'mobile', carrier: 'Acme', location: { city: 'NYC' }, risk: { level: 1 } } },
  tags: 'vip,early',
  score: 0.91,
  accountScore: 0.5,
  needsReplication: false,
});
