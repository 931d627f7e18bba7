import type { DataType } from '../../../shared/dataPipeline';
import type { PlainObject } from '../../../shared/util/sanitise';

/** A data-queue record after input checks: canonical type, plain (unmarshalled, sanitised) data. */
export interface SourceRecord {
  type: DataType;
  data: PlainObject;
  /** A deletion: a REMOVE from the demand-table pipe, or `isDeleted: true` on the record or its data. */
  isDeleted: boolean;
  /** The old image of a pipe MODIFY (lets a registration retract the markets a fan removed). */
  previous?: PlainObject;
  /** When DynamoDB made the change (pipe records only), ISO. */
  changedAt?: string;
  /** True when the data arrived as DynamoDB attribute values and was unmarshalled. */
  fromDynamoDb: boolean;
}
