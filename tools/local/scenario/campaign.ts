/**
 * 1. The campaign, as Campaign Service stores and announces it. `generateCampaign` makes the
 * campaign, its markets and the fans who will register (their choices from the run's seeded
 * random numbers); `seedCampaign` stores the campaign and its markets in MongoDB and Campaign
 * Service's fake, seeds codes in Code Service, and sends the campaign, market and eventMapping
 * records to data-queue. The `ScenarioSeed` goes to every later phase.
 */
import type { ScenarioCampaign } from '../scenario';
import type { ScenarioContext } from './context';
import { objectId } from './random';

export interface Fan {
  globalUserId: string;
  userId: string;
  email: string;
  phone: string;
  firstName: string;
  lastName: string;
  locale: string;
  markets: string[];
  /** A free-text form field with characters beyond U+FFFF (emoji), for some fans. */
  note?: string;
}

export type MarketDoc = ReturnType<typeof marketDoc>;
export type CampaignDoc = ReturnType<typeof campaignDoc>;

/** The campaign, its markets and its fans, as generated for the run. */
export interface ScenarioSeed {
  campaignId: string;
  slug: string;
  campaign: CampaignDoc;
  marketDocs: MarketDoc[];
  fans: Fan[];
}

const HOUR = 3_600_000;

/** The `i`th market of the campaign, with its event. */
function marketDoc(ctx: ScenarioContext, campaignId: string, start: number, i: number) {
  const { iso } = ctx;
  return {
    id: objectId(),
    campaign_id: campaignId,
    name: `Market ${i + 1}`,
    city: ['New York', 'Chicago', 'Los Angeles', 'Toronto', 'Austin'][i % 5],
    state: ['NY', 'IL', 'CA', 'ON', 'TX'][i % 5],
    timezone: 'America/New_York',
    point: { type: 'Point', coordinates: [-73.99 + i, 40.75 - i] },
    date: { created: iso(start), updated: iso(start) },
    event: {
      ids: [`vvG1${campaignId.slice(-6)}${i}`],
      name: `Tour stop ${i + 1}`,
      date: iso(start + 30 * 24 * HOUR),
      // Far enough ahead that the hourly planning run, an hour from now, finds it in its window.
      presaleDateTime: iso(start + (6 + i) * HOUR),
      link: `https://www.ticketmaster.com/event/${i}`,
      ticketer: i % 2 === 0 ? 'TM' : 'AXS',
      venue: { name: `Arena ${i + 1}` },
    },
  };
}

/** The campaign, open since a day and for a day more. */
function campaignDoc(ctx: ScenarioContext, campaignId: string, slug: string, start: number) {
  const { iso } = ctx;
  return {
    id: campaignId,
    type: 'registration',
    slug,
    name: 'Local Scenario Tour',
    status: 'OPEN',
    referenceTimezone: 'America/New_York',
    artist: { name: 'The Local Runtime', discovery_id: 'K8vZ917_local' },
    tour: { name: 'Local Scenario Tour' },
    domain: { site: `${slug}.example.com` },
    locales: [{ id: 'en-US', is_default: true }],
    date: { created: iso(start), updated: iso(start), open: iso(start - 24 * HOUR), close: iso(start + 24 * HOUR) },
    options: { automatedReminders: true },
    preferences: [
      { id: 'email', type: 'email', is_optional: false },
      { id: 'phone', type: 'phone', is_optional: false },
      { id: 'markets', type: 'markets', is_optional: false, additional: { min: 1, max: ctx.options.markets } },
      { id: 'allow_marketing', type: 'opt_in', is_optional: true },
      { id: 'note', type: 'freeform_text', is_optional: true, additional: { maxLength: 200 } },
    ],
  };
}

/** The `i`th fan, who ranks a random choice of the markets. */
function fan(ctx: ScenarioContext, campaignId: string, marketDocs: MarketDoc[], i: number): Fan {
  const { rnd } = ctx;
  const ranked = marketDocs.map((m) => m.id).sort(() => rnd() - 0.5);
  return {
    globalUserId: `gu${campaignId.slice(-6)}${String(i).padStart(6, '0')}`,
    userId: objectId(),
    // Every 40th fan mistypes the address: checkEligibility refuses the entry.
    email: i % 40 === 39 ? `fan${i}.example.com` : `fan${i}@example.com`,
    // Every 10th fan has a UK number: selected like everyone, but no SMS reminder.
    phone: i % 10 === 9 ? `+447911${String(100000 + i).slice(-6)}` : `+1415${2000000 + i}`,
    firstName: 'Fan',
    lastName: `Number${i}`,
    locale: 'en-US',
    markets: ranked.slice(0, 1 + Math.floor(rnd() * ctx.options.markets)),
    // Every 8th fan leaves a note with emoji (outside the Basic Multilingual Plane, as SQS allows).
    ...(i % 8 === 5 ? { note: `fan ${i} says see you there 🎸🤘 𝄞` } : {}),
  };
}

/** The campaign of the run, its markets and its fans (none stored yet). */
export function generateCampaign(ctx: ScenarioContext): ScenarioSeed {
  const start = ctx.clock.now();
  const campaignId = objectId();
  const slug = `local-${campaignId.slice(-8)}`;
  const marketDocs = Array.from({ length: ctx.options.markets }, (_, i) => marketDoc(ctx, campaignId, start, i));
  const campaign = campaignDoc(ctx, campaignId, slug, start);
  const fans = Array.from({ length: ctx.options.fans }, (_, i) => fan(ctx, campaignId, marketDocs, i));
  return { campaignId, slug, campaign, marketDocs, fans };
}

/** What the hooks are told of the campaign. */
export function hookCampaign({ campaignId, slug, marketDocs }: ScenarioSeed): ScenarioCampaign {
  return { campaignId, slug, markets: marketDocs.map((m) => ({ id: m.id, name: m.name })) };
}

/** Stores and announces the campaign as Campaign Service does, and gives Code Service its codes. */
export async function seedCampaign(
  ctx: ScenarioContext,
  { campaignId, campaign, marketDocs }: ScenarioSeed,
): Promise<void> {
  const { fakes, options } = ctx;
  await ctx.campaigns.insertOne({ ...campaign });
  await ctx.markets.insertMany(marketDocs.map((m) => ({ ...m })));
  fakes.campaigns.seedCampaign({ ...campaign, markets: marketDocs });
  for (const type of ['tm', 'external'] as const) {
    const count = Math.max(600, options.fans) * options.markets + 600;
    fakes.codes.seedCodes(
      campaignId,
      type,
      Array.from({ length: count }, (_, i) => `${type.toUpperCase()}-${campaignId.slice(-6)}-${i}`),
    );
  }
  await ctx.sendToQueue('data-queue', [
    { type: 'CAMPAIGN', data: campaign },
    ...marketDocs.map((m) => ({ type: 'market', data: m })),
    ...marketDocs.map((m) => ({ type: 'eventMapping', data: { campaignId, marketId: m.id, eventIds: m.event.ids } })),
  ]);
}
