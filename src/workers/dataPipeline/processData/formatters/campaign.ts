import type { CampaignRecord } from '../../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../../shared/runtime/errors';
import type { PlainObject } from '../../../../shared/util/sanitise';
import { isPlainObject } from '../../../../shared/util/sanitise';
import type { Shaper } from './shape';
import { compact, idOf } from './shape';

/**
 * A Campaign Service campaign document → the campaign schema. The id is `campaignId`, `id` or
 * Mongo `_id`; `artist.discovery_id` becomes `discoveryId`; fields the schema does not list
 * (markets, faqs, content, style, …) are not published.
 */
export function formatCampaign(data: PlainObject, isDeleted: boolean, s: Shaper): Omit<CampaignRecord, 'dedupe'> {
  const campaignId = idOf(data.campaignId) ?? idOf(data.id) ?? idOf(data._id);
  if (!campaignId) {
    throw new RejectedRecordError('campaign has no id (data.campaignId, data.id or data._id)');
  }
  return compact({
    campaignId,
    name: s.str(data.name, 'name'),
    categoryId: s.strOrNum(data.categoryId, 'categoryId'),
    type: s.str(data.type, 'type'),
    subType: s.str(data.subType, 'subType'),
    identifier: s.str(data.identifier, 'identifier'),
    status: s.str(data.status, 'status'),
    referenceTimezone: s.str(data.referenceTimezone, 'referenceTimezone'),
    domain: s.section(data.domain, 'domain', (d) => ({ site: s.str(d.site, 'domain.site') })),
    tour: s.section(data.tour, 'tour', (t) => ({ name: s.str(t.name, 'tour.name') })),
    date: s.section(data.date, 'date', (d) => ({
      created: s.date(d.created, 'date.created'),
      updated: s.date(d.updated, 'date.updated'),
      open: s.date(d.open, 'date.open'),
      close: s.date(d.close, 'date.close'),
      presaleWindowStart: s.date(d.presaleWindowStart, 'date.presaleWindowStart'),
      presaleWindowEnd: s.date(d.presaleWindowEnd, 'date.presaleWindowEnd'),
    })),
    artist: s.section(data.artist, 'artist', (a) => ({
      id: s.str(idOf(a.id) ?? a.id, 'artist.id'),
      name: s.str(a.name, 'artist.name'),
      discoveryId: s.str(a.discoveryId ?? a.discovery_id, 'artist.discoveryId'),
      fanclubName: s.str(a.fanclubName, 'artist.fanclubName'),
    })),
    preferences: s.list(data.preferences, 'preferences', (p) => ({
      id: s.str(p.id, 'preferences[].id'),
      type: s.str(p.type, 'preferences[].type'),
      is_optional: s.bool(p.is_optional, 'preferences[].is_optional'),
      additional: s.object(p.additional, 'preferences[].additional'),
    })),
    options: s.section(data.options, 'options', (o) => ({
      useGenericBranding: s.bool(o.useGenericBranding, 'options.useGenericBranding'),
      showAccessCode: s.bool(o.showAccessCode, 'options.showAccessCode'),
      automatedReminders: s.bool(o.automatedReminders, 'options.automatedReminders'),
      waitingRoomDuration: s.num(o.waitingRoomDuration, 'options.waitingRoomDuration'),
      isLNAA: s.bool(o.isLNAA, 'options.isLNAA'),
    })),
    locales: locales(data.locales, s),
    image: s.object(data.image, 'image'),
    isDeleted: isDeleted ? true : s.bool(data.isDeleted, 'isDeleted'),
  });
}

function locales(value: unknown, s: Shaper): (PlainObject | string)[] | null | undefined {
  if (value === undefined || value === null) {
    return value;
  }
  if (!Array.isArray(value)) {
    s.dropped.push('locales: expected an array');
    return undefined;
  }
  return value.filter((item, i) => {
    const ok = typeof item === 'string' || isPlainObject(item);
    if (!ok) {
      s.dropped.push(`locales[${i}]: expected an object or string`);
    }
    return ok;
  }) as (PlainObject | string)[];
}
