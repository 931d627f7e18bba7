import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getConfig } from '../config';

/*
 * One client of each kind per execution environment, created on first use. Endpoints follow
 * the SDK's own settings, so `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_DYNAMODB` / `..._SQS` /
 * `..._SNS` / `..._SECRETS_MANAGER` / `..._LAMBDA` / `..._SFN` point the same code at local emulators.
 */

const region = () => process.env.AWS_REGION ?? getConfig().aws.region;
const cache = new Map<string, unknown>();

function once<T>(name: string, create: () => T): T {
  if (!cache.has(name)) {
    cache.set(name, create());
  }
  return cache.get(name) as T;
}

/** Document client for the demand table (plain JS values; empty strings kept, undefined dropped). */
export const dynamoDocumentClient = (): DynamoDBDocumentClient =>
  once('ddbDoc', () =>
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: region() }), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      unmarshallOptions: { wrapNumbers: false },
    }),
  );

/** SQS client. */
export const sqsClient = (): SQSClient => once('sqs', () => new SQSClient({ region: region() }));

/** SNS client. */
export const snsClient = (): SNSClient => once('sns', () => new SNSClient({ region: region() }));

/** Secrets Manager client. */
export const secretsClient = (): SecretsManagerClient =>
  once('secrets', () => new SecretsManagerClient({ region: region() }));

/** Lambda client (direct invocations). */
export const lambdaClient = (): LambdaClient => once('lambda', () => new LambdaClient({ region: region() }));

/** Step Functions client. */
export const sfnClient = (): SFNClient => once('sfn', () => new SFNClient({ region: region() }));

/** Drops every cached client (tests that change endpoints between cases). */
export function resetAwsClients(): void {
  cache.clear();
}
