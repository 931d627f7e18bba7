/**
 * Event shapes for a Lambda fed by a Kinesis event source mapping, as in @types/aws-lambda
 * (not installed here), plus the decoded `data` of Kinesis Data Streams for DynamoDB.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** `record.kinesis` of a Kinesis stream event record (same fields as @types/aws-lambda). */
export interface KinesisStreamRecordPayload {
  approximateArrivalTimestamp: number;
  /** base64 of the record's bytes. */
  data: string;
  kinesisSchemaVersion: string;
  partitionKey: string;
  sequenceNumber: string;
}

/** One record of a Kinesis stream event (same fields as @types/aws-lambda's KinesisStreamRecord). */
export interface KinesisStreamRecord {
  awsRegion: string;
  eventID: string;
  eventName: string;
  eventSource: string;
  eventSourceARN: string;
  eventVersion: string;
  invokeIdentityArn: string;
  kinesis: KinesisStreamRecordPayload;
}

/** The event a Kinesis-triggered Lambda receives. */
export interface KinesisStreamEvent {
  Records: KinesisStreamRecord[];
}

/** Decoded `kinesis.data` of a Kinesis Data Streams for DynamoDB record. */
export interface DynamoDbKinesisChange {
  awsRegion: string;
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  userIdentity: { type: string; principalId: string } | null;
  recordFormat: 'application/json';
  tableName: string;
  dynamodb: {
    /** Epoch milliseconds (DynamoDB Streams itself uses seconds). */
    ApproximateCreationDateTime: number;
    Keys: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
    SizeBytes: number;
  };
  eventSource: 'aws:dynamodb';
}
