/**
 * The services the edge answers itself, in their JSON protocols: Kinesis' read API on the run's
 * streams (`KinesisFacade`, kinesis.ts) and CloudWatch's actions on the run's alarms
 * (cloudwatch/api.ts). An action neither has, or a service the edge was started without, is
 * refused like any service not emulated.
 */
import { CloudWatchCallError } from '../cloudwatch/api';
import { jsonAnswer, jsonInput, unsupported, type Answer } from './edgeHttp';
import { KinesisCallError, type KinesisFacade } from './kinesis';

/** CloudWatch's actions by name (cloudwatch/api.ts). */
export type CloudWatchActions = Record<string, (input: Record<string, unknown>) => unknown>;

const kinesisJson = (status: number, output: unknown, headers: Record<string, string> = {}) =>
  jsonAnswer(status, output, { 'content-type': 'application/x-amz-json-1.1', ...headers });

/** Kinesis (`X-Amz-Target: Kinesis_20131202.*`): its errors as Kinesis answers them; any other failure is thrown. */
export async function kinesisCall(kinesis: KinesisFacade | undefined, action: string, body: Buffer): Promise<Answer> {
  const handler = kinesis?.handler(action);
  if (!handler) {
    return unsupported(`Kinesis ${action}`);
  }
  try {
    let input: Record<string, unknown>;
    try {
      input = jsonInput(body);
    } catch {
      throw new KinesisCallError('InvalidArgumentException', 'the request body is not JSON');
    }
    return kinesisJson(200, await handler(input));
  } catch (error) {
    if (error instanceof KinesisCallError) {
      return kinesisJson(400, { __type: error.code, message: error.message }, { 'x-amzn-errortype': error.code });
    }
    throw error;
  }
}

/** CloudWatch (`X-Amz-Target: GraniteServiceVersion20100801.*`): any failure is a 400 in the query error's terms. */
export function cloudWatchCall(cloudwatch: CloudWatchActions | undefined, action: string, body: Buffer): Answer {
  // Own actions only: a name such as `constructor` or `toString` is not an action.
  const handler = cloudwatch && Object.hasOwn(cloudwatch, action) ? cloudwatch[action] : undefined;
  if (!handler) {
    return unsupported(`CloudWatch ${action}`);
  }
  try {
    return jsonAnswer(200, handler(jsonInput(body)));
  } catch (error) {
    const code = error instanceof CloudWatchCallError ? error.code : 'InvalidParameterValue';
    return jsonAnswer(
      400,
      { __type: code, message: (error as Error).message },
      { 'x-amzn-query-error': `${code};Sender` },
    );
  }
}
