import type { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambdaMarketsInvoker } from './invoker';

/**
 * No local component emulates Lambda's Invoke API, so a stand-in for `LambdaClient.send`
 * answers with the payloads Lambda returns (the function's result, or a function error).
 */
function lambdaAnswering(answer: { Payload?: string; FunctionError?: string }) {
  const sent: InvokeCommand[] = [];
  const client = {
    send: async (command: InvokeCommand) => {
      sent.push(command);
      return {
        StatusCode: 200,
        ...answer,
        Payload: answer.Payload === undefined ? undefined : Buffer.from(answer.Payload),
      };
    },
  };
  return { client: client as never, sent };
}

describe('lambdaMarketsInvoker', () => {
  it('invokes the function synchronously with the mode, the correlation id and the trace, and returns its markets', async () => {
    const { client, sent } = lambdaAnswering({
      Payload: JSON.stringify({ mode: 'due', markets: [{ id: 'm1' }], clearedCount: 0 }),
    });
    const out = await lambdaMarketsInvoker(client, 'fn-get-markets')({ mode: 'due' });
    expect(out.markets).toEqual([{ id: 'm1' }]);
    expect(sent[0].input).toMatchObject({ FunctionName: 'fn-get-markets', InvocationType: 'RequestResponse' });
    const payload = JSON.parse(Buffer.from(sent[0].input.Payload as Uint8Array).toString('utf8'));
    expect(payload).toEqual({
      mode: 'due',
      correlationId: expect.any(String),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
  });

  it("throws the function's own error message when the function failed", async () => {
    const { client } = lambdaAnswering({
      FunctionError: 'Unhandled',
      Payload: JSON.stringify({ errorType: 'MongoServerSelectionError', errorMessage: 'connection refused' }),
    });
    await expect(lambdaMarketsInvoker(client, 'fn')({ mode: 'due' })).rejects.toThrow(
      'getMarketsToNotify failed (Unhandled): connection refused',
    );
  });

  it('throws on an answer without a markets array, and without a configured function name', async () => {
    const { client } = lambdaAnswering({ Payload: 'null' });
    await expect(lambdaMarketsInvoker(client, 'fn')({ mode: 'due' })).rejects.toThrow(/without a markets array/);
    await expect(lambdaMarketsInvoker(client, '')({ mode: 'due' })).rejects.toThrow(
      /GET_MARKETS_TO_NOTIFY_FUNCTION_NAME/,
    );
  });
});
