import type { LambdaClient } from '@aws-sdk/client-lambda';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { currentTrace } from '../../../shared/runtime';
import type { MarketsToNotify } from '../getMarketsToNotify/getMarketsToNotify';

/** Asks getMarketsToNotify for the due markets; injectable so tests and the local runtime call the handler in process. */
export type MarketsInvoker = (input: { mode: 'due' }) => Promise<MarketsToNotify>;

/** Checks the shape of getMarketsToNotify's answer. */
function parseMarketsToNotify(body: unknown): MarketsToNotify {
  const markets = (body as { markets?: unknown } | null)?.markets;
  if (!Array.isArray(markets)) {
    throw new Error(`getMarketsToNotify answered without a markets array: ${JSON.stringify(body)?.slice(0, 200)}`);
  }
  return body as MarketsToNotify;
}

/**
 * Invokes getMarketsToNotify synchronously (Lambda InvokeCommand, RequestResponse), passing
 * the correlation id and the trace (`traceparent`), so both functions' logs and spans join. A function error becomes a thrown Error
 * with the function's own message.
 */
export function lambdaMarketsInvoker(client: Pick<LambdaClient, 'send'>, functionName: string): MarketsInvoker {
  return async (input) => {
    if (!functionName) {
      throw new Error('config aws.functions.getMarketsToNotify is empty: set GET_MARKETS_TO_NOTIFY_FUNCTION_NAME');
    }
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify({ ...input, ...currentTrace() })),
      }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) {
      let message = text;
      try {
        message = (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
      } catch {
        // not JSON: keep the raw payload text
      }
      throw new Error(`getMarketsToNotify failed (${out.FunctionError}): ${message}`);
    }
    return parseMarketsToNotify(text ? JSON.parse(text) : undefined);
  };
}
