import type { RecordTrace } from '../../../shared/runtime/tracing';
import type { DataType, TypedDataRecord } from '../../../shared/dataPipeline';
import {
  DATA_TYPES,
  kafkaMessageKey,
  normaliseDataType,
  validateDataRecord,
  withoutSecrets,
} from '../../../shared/dataPipeline';
import { RejectedRecordError, parseJsonBounded } from '../../../shared/runtime/errors';
import { quote } from '../../../shared/runtime/quote';
import { sanitise } from '../../../shared/util/sanitise';

/** One message of a typed queue: its SQS id, parsed JSON body and string message attributes. */
export interface TypedQueueMessage {
  messageId: string;
  body: unknown;
  messageAttributes: Record<string, string>;
  /** The trace the message carries on (the SQS adapter sets it); sent as Kafka headers. */
  trace?: RecordTrace;
}

/** A message ready for Kafka: validated record, its type and message key. */
export type ResolvedRecord = TypedDataRecord & { key: string; unwrapped: boolean };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The SNS envelope a subscription without raw message delivery would deliver
 * (`{ Type: "Notification", Message, MessageAttributes: { type: { Type, Value } } }`).
 */
function unwrapEnvelope(body: unknown): { type: unknown; record: unknown } | undefined {
  if (!isObject(body) || body.Type !== 'Notification' || typeof body.Message !== 'string') {
    return undefined;
  }
  const attributes = isObject(body.MessageAttributes) ? body.MessageAttributes : {};
  const type = isObject(attributes.type) ? attributes.type.Value : undefined;
  return { type, record: parseJsonBounded(body.Message, 'SNS envelope Message') };
}

/**
 * The record of one typed-queue message. With raw delivery (the Terraform setting) the body is
 * the record and the type is the `type` message attribute; a body that is an SNS envelope and
 * has no such attribute is unwrapped instead. The record must satisfy its type's schema, after
 * prototype-reaching keys are dropped from the open objects and nesting is bounded (a record too
 * deep to serialise would otherwise fail every record of the batch); secret-named keys are then
 * removed (`withoutSecrets`), and a registration whose fields text is not a JSON object is rejected.
 * Throws RejectedRecordError naming the problem (with ajv's error text for schema failures).
 */
export function resolveRecord(message: TypedQueueMessage): ResolvedRecord {
  let typeName: unknown = message.messageAttributes.type;
  let record: unknown = message.body;
  let unwrapped = false;
  if (typeName === undefined) {
    const envelope = unwrapEnvelope(message.body);
    if (envelope) {
      typeName = envelope.type;
      record = envelope.record;
      unwrapped = true;
    }
  }
  if (typeName === undefined) {
    throw new RejectedRecordError(
      'message has no "type" attribute (SNS raw delivery sets it) and is not an SNS envelope',
    );
  }
  const type: DataType | undefined = normaliseDataType(typeName);
  if (!type) {
    throw new RejectedRecordError(`unknown type ${quote(typeName)}; expected one of ${DATA_TYPES.join(', ')}`);
  }
  const result = validateDataRecord(type, sanitise(record));
  if (!result.valid) {
    throw new RejectedRecordError(`schema validation failed: ${result.errors}`);
  }
  // The pair is consistent by construction: `result.record` was validated against `type`'s schema.
  // The schema's open objects and a registration's fields text may still hold secret-named keys.
  const typed = withoutSecrets({ type, record: result.record } as TypedDataRecord);
  return { ...typed, key: kafkaMessageKey(typed.type, typed.record), unwrapped };
}
