import { DATA_TYPES, normaliseDataType } from '../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import { TRACEPARENT } from '../../../shared/runtime/tracing';
import type { PlainObject } from '../../../shared/util/sanitise';
import { isPlainObject, sanitise } from '../../../shared/util/sanitise';
import { isAttributeValueMap, unmarshallData } from './plainData';
import type { SourceRecord } from './sourceRecord';

const OPERATIONS = new Set(['INSERT', 'MODIFY', 'REMOVE']);

const describe = (value: unknown): string => {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value;
};

/**
 * A whole DynamoDB change record as the demand-table pipe passes it
 * (`{ eventName, dynamodb: { NewImage?, OldImage?, ApproximateCreationDateTime? } }`).
 */
function changeRecordOf(data: PlainObject): { eventName: string; dynamodb: PlainObject } | undefined {
  if (typeof data.eventName === 'string' && OPERATIONS.has(data.eventName) && isPlainObject(data.dynamodb)) {
    return { eventName: data.eventName, dynamodb: data.dynamodb };
  }
  return undefined;
}

function epochToIso(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return undefined;
  }
  // Kinesis Data Streams for DynamoDB gives milliseconds, DynamoDB Streams seconds.
  return new Date(value < 1e12 ? value * 1000 : value).toISOString();
}

/**
 * The traceparent a demand-table pipe message carries in its body: the `traceparent` attribute of
 * the changed item (new image, old image for a REMOVE). The pipe cannot set message attributes.
 */
export function pipeTraceparent(body: unknown): unknown {
  const change = isPlainObject(body) && isPlainObject(body.data) ? changeRecordOf(body.data) : undefined;
  const image = change?.dynamodb[change.eventName === 'REMOVE' ? 'OldImage' : 'NewImage'];
  const attribute = isPlainObject(image) ? image[TRACEPARENT] : undefined;
  return isPlainObject(attribute) ? attribute.S : undefined;
}

/**
 * Checks one data-queue message body `{ type, data }` and returns the source record:
 * - `type` in any case or separator style (`CAMPAIGN`, `eventMapping`, `REGISTERED_MARKET`);
 * - `data` a non-empty object; DynamoDB attribute values (every top-level value shaped like
 *   `{ S: … }`, `{ M: … }`, …) are unmarshalled; a whole change record
 *   (`{ eventName, dynamodb: { NewImage, OldImage } }`) contributes its new image (the old one
 *   for REMOVE, which marks a deletion);
 * - a deletion is also `eventName: "REMOVE"` or `isDeleted: true` on the body or on the data.
 * Throws RejectedRecordError with the reason for anything else.
 */
export function parseDataRecord(body: unknown): SourceRecord {
  if (!isPlainObject(body)) {
    throw new RejectedRecordError(`message body must be a JSON object { type, data }, not ${describe(body)}`);
  }
  const type = normaliseDataType(body.type);
  if (!type) {
    throw new RejectedRecordError(
      body.type === undefined
        ? 'record has no type'
        : `unknown type ${describe(body.type)}; expected one of ${DATA_TYPES.join(', ')} (any case)`,
    );
  }
  const raw = body.data;
  if (!isPlainObject(raw)) {
    throw new RejectedRecordError(
      `${type} data must be a non-empty object, not ${raw === undefined ? 'missing' : describe(raw)}`,
    );
  }
  let data: PlainObject;
  let previous: PlainObject | undefined;
  let changedAt: string | undefined;
  let fromDynamoDb = false;
  let isDeleted = body.isDeleted === true || body.eventName === 'REMOVE';
  const change = changeRecordOf(raw);
  if (change) {
    const { NewImage, OldImage, ApproximateCreationDateTime } = change.dynamodb;
    const removed = change.eventName === 'REMOVE';
    const image = removed ? OldImage : NewImage;
    if (!isAttributeValueMap(image)) {
      throw new RejectedRecordError(
        `${type} change record (${change.eventName}) has no ${removed ? 'OldImage' : 'NewImage'}`,
      );
    }
    data = unmarshallData(image);
    previous = !removed && isAttributeValueMap(OldImage) ? unmarshallData(OldImage) : undefined;
    changedAt = epochToIso(ApproximateCreationDateTime);
    fromDynamoDb = true;
    isDeleted ||= removed;
  } else if (isAttributeValueMap(raw)) {
    data = unmarshallData(raw);
    fromDynamoDb = true;
  } else {
    data = sanitise(raw) as PlainObject;
  }
  if (Object.keys(data).length === 0) {
    throw new RejectedRecordError(`${type} data is empty`);
  }
  isDeleted ||= data.isDeleted === true;
  return { type, data, isDeleted, previous, changedAt, fromDynamoDb };
}
