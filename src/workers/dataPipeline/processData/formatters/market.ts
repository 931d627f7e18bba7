import type { MarketRecord } from '../../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../../shared/runtime/errors';
import type { PlainObject } from '../../../../shared/util/sanitise';
import { isPlainObject } from '../../../../shared/util/sanitise';
import type { Shaper } from './shape';
import { compact, idOf } from './shape';

type Point = NonNullable<MarketRecord['point']>;

/**
 * GeoJSON `point.coordinates` `[lon, lat]` → `{ coordinates: { latitude, longitude } }`. An
 * already named `{ latitude, longitude }` passes; anything else is dropped and noted.
 */
export function formatPoint(value: unknown, s: Shaper): Point | null | undefined {
  if (value === undefined || value === null) {
    return value;
  }
  const coordinates = isPlainObject(value) ? value.coordinates : undefined;
  if (Array.isArray(coordinates) && coordinates.length >= 2) {
    const longitude = s.num(coordinates[0], 'point.coordinates[0]');
    const latitude = s.num(coordinates[1], 'point.coordinates[1]');
    if (typeof latitude === 'number' && typeof longitude === 'number') {
      return { coordinates: { latitude, longitude } };
    }
    return undefined;
  }
  if (isPlainObject(coordinates)) {
    return {
      coordinates: compact({
        latitude: s.num(coordinates.latitude, 'point.coordinates.latitude'),
        longitude: s.num(coordinates.longitude, 'point.coordinates.longitude'),
      }),
    };
  }
  s.dropped.push('point: expected GeoJSON { coordinates: [lon, lat] }');
  return undefined;
}

/**
 * A Campaign Service market document → the market schema: `id` becomes `marketId`,
 * `campaign_id` becomes `campaignId`, GeoJSON coordinates become latitude/longitude; `date` and
 * `event` keep their other fields (open objects in the schema).
 */
export function formatMarket(data: PlainObject, isDeleted: boolean, s: Shaper): Omit<MarketRecord, 'dedupe'> {
  const marketId = idOf(data.marketId) ?? idOf(data.id) ?? idOf(data._id);
  const campaignId = idOf(data.campaignId) ?? idOf(data.campaign_id);
  if (!marketId || !campaignId) {
    throw new RejectedRecordError(
      `market has no ${!marketId ? 'id (data.marketId, data.id or data._id)' : 'campaign id (data.campaignId or data.campaign_id)'}`,
    );
  }
  return compact({
    campaignId,
    marketId,
    city: s.str(data.city, 'city'),
    state: s.str(data.state, 'state'),
    timezone: s.str(data.timezone, 'timezone'),
    name: s.str(data.name, 'name'),
    point: formatPoint(data.point, s),
    date: s.section(data.date, 'date', (d) => ({
      ...d,
      created: s.date(d.created, 'date.created'),
      updated: s.date(d.updated, 'date.updated'),
    })),
    event: s.section(data.event, 'event', (e) => ({
      ...e,
      ids: s.strings(e.ids, 'event.ids'),
      venue: s.object(e.venue, 'event.venue'),
    })),
    isAddedShow: s.bool(data.isAddedShow, 'isAddedShow'),
    isDeleted: isDeleted ? true : s.bool(data.isDeleted, 'isDeleted'),
  });
}
