import type { RegisteredMarketRecord, RegistrationRecord } from '../../../../shared/dataPipeline';
import { canonicalJson, parseRegistrationFields } from '../../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../../shared/runtime/errors';
import type { PlainObject } from '../../../../shared/util/sanitise';
import { isPlainObject } from '../../../../shared/util/sanitise';
import type { Shaper } from './shape';
import { compact, idOf, objectAt } from './shape';

/** The ids of a registration: its fields, else its demand-table keys (`PK = e:{campaignId}`, `SK = entry#{globalUserId}`). */
export function registrationIds(data: PlainObject): { campaignId?: string; globalUserId?: string } {
  const fromPk = typeof data.PK === 'string' && data.PK.startsWith('e:') ? data.PK.slice(2) : undefined;
  const fromSk = typeof data.SK === 'string' && data.SK.startsWith('entry#') ? data.SK.slice(6) : undefined;
  return {
    campaignId: idOf(data.campaignId) ?? idOf(fromPk),
    globalUserId: idOf(data.globalUserId) ?? idOf(data.global_user_id) ?? idOf(fromSk),
  };
}

/**
 * A demand-table entry (DOMAIN 2.3) → the registration schema (DOMAIN 5.3):
 * systemUserId/userId (else fanId)/memberId → system; fields → JSON string (keys sorted);
 * accountScore/registrationScore/score/tags → score.account/registration/final/tags;
 * fields.allow_marketing/allow_artist_sms → optIn.artistEmail/artistSMS; origin.ip → ip;
 * origin.nudetect (session_id → sessionId) → nudetect; attributes.phonescore → phonescore;
 * origin.os / origin.browser → os / browser. Profile fields (name, e-mail, phone) are not
 * published outside `fields`.
 */
export function formatRegistration(
  data: PlainObject,
  isDeleted: boolean,
  s: Shaper,
): Omit<RegistrationRecord, 'dedupe'> {
  const { campaignId, globalUserId } = registrationIds(data);
  if (!campaignId || !globalUserId) {
    throw new RejectedRecordError(`registration has no ${!campaignId ? 'campaignId' : 'globalUserId'}`);
  }
  const fields = objectAt(data.fields);
  const origin = objectAt(data.origin);
  const attributes = objectAt(data.attributes);
  return compact({
    campaignId,
    globalUserId,
    system: s.section(data, 'system', (d) => ({
      id: s.str(d.systemUserId, 'systemUserId'),
      databaseId: s.str(d.userId ?? d.fanId, 'userId'),
      memberId: s.str(d.memberId, 'memberId'),
    })),
    fields: fieldsAsString(data.fields, s),
    score: s.section(data, 'score', (d) => ({
      account: s.num(d.accountScore, 'accountScore'),
      registration: s.num(d.registrationScore, 'registrationScore'),
      final: s.num(d.score, 'score'),
      tags: s.str(d.tags, 'tags'),
    })),
    optIn: s.section(fields, 'fields', (f) => ({
      artistEmail: s.bool(f.allow_marketing, 'fields.allow_marketing'),
      artistSMS: s.bool(f.allow_artist_sms, 'fields.allow_artist_sms'),
    })),
    date: s.section(data.date, 'date', (d) => ({
      created: s.date(d.created, 'date.created'),
      updated: s.date(d.updated, 'date.updated'),
      fanModified: s.date(d.fanModified, 'date.fanModified'),
    })),
    ip: s.section(origin.ip, 'origin.ip', (ip) => ({
      address: s.str(ip.address, 'origin.ip.address'),
      city: s.str(ip.city, 'origin.ip.city'),
      country: s.str(ip.country, 'origin.ip.country'),
      latitude: s.str(ip.latitude, 'origin.ip.latitude'),
      longitude: s.str(ip.longitude, 'origin.ip.longitude'),
      postalCode: s.str(ip.postalCode ?? ip.postal_code, 'origin.ip.postalCode'),
      region: s.str(ip.region, 'origin.ip.region'),
    })),
    nudetect: s.section(origin.nudetect, 'origin.nudetect', (n) => ({
      sessionId: s.str(n.sessionId ?? n.session_id, 'origin.nudetect.session_id'),
      statusCode: s.strOrNum(n.statusCode, 'origin.nudetect.statusCode'),
      score: s.num(n.score, 'origin.nudetect.score'),
      scoreBand: s.strOrNum(n.scoreBand, 'origin.nudetect.scoreBand'),
    })),
    phonescore: s.section(attributes.phonescore ?? data.phonescore, 'phonescore', (p) => ({
      phoneType: s.str(p.phoneType, 'phonescore.phoneType'),
      carrier: s.str(p.carrier, 'phonescore.carrier'),
      location: s.object(p.location, 'phonescore.location'),
      risk: s.object(p.risk, 'phonescore.risk'),
    })),
    os: s.section(origin.os, 'origin.os', (o) => ({
      type: s.str(o.type, 'origin.os.type'),
      version: s.str(o.version, 'origin.os.version'),
    })),
    browser: s.section(origin.browser, 'origin.browser', (b) => ({
      type: s.str(b.type, 'origin.browser.type'),
      version: s.str(b.version, 'origin.browser.version'),
    })),
    isDeleted: isDeleted ? true : undefined,
  });
}

/**
 * The form fields as canonical JSON. A producer may already send the JSON text; text that is not
 * the JSON of an object is left out (and noted) rather than published unread.
 */
function fieldsAsString(value: unknown, s: Shaper): string | null | undefined {
  if (value === undefined || value === null) {
    return value;
  }
  const fields = typeof value === 'string' ? parseRegistrationFields(value) : value;
  if (isPlainObject(fields)) {
    return canonicalJson(fields);
  }
  s.dropped.push('fields: expected an object or the JSON text of one');
  return undefined;
}

/**
 * The fan's markets in preference order with their 1-based ranks: a market listed twice keeps its
 * first position, and neither the repeat nor an empty entry shifts the ranks after it.
 */
export function rankedMarkets(data: PlainObject | undefined): { marketId: string; rank: number }[] {
  const markets = isPlainObject(data?.fields) ? data.fields.markets : undefined;
  if (!Array.isArray(markets)) {
    return [];
  }
  const seen = new Set<string>();
  const out: { marketId: string; rank: number }[] = [];
  for (const m of markets) {
    const marketId = idOf(m);
    if (marketId && !seen.has(marketId)) {
      seen.add(marketId);
      out.push({ marketId, rank: out.length + 1 });
    }
  }
  return out;
}

/**
 * One registeredMarket per market the fan selected (rank = position in `fields.markets`); a
 * deleted registration retracts all of them, and a MODIFY whose old image listed markets the
 * new one no longer has retracts those (`isDeleted: true`, with their old rank).
 */
export function registeredMarkets(
  ids: { campaignId: string; globalUserId: string },
  data: PlainObject,
  isDeleted: boolean,
  previous?: PlainObject,
): Omit<RegisteredMarketRecord, 'dedupe'>[] {
  const current = rankedMarkets(data);
  if (isDeleted) {
    return current.map((m) => ({ ...ids, ...m, isDeleted: true }));
  }
  const kept = new Set(current.map((m) => m.marketId));
  const removed = rankedMarkets(previous).filter((m) => !kept.has(m.marketId));
  return [...current.map((m) => ({ ...ids, ...m })), ...removed.map((m) => ({ ...ids, ...m, isDeleted: true }))];
}
