/**
 * The local Lambda Invoke API (tools/local/gateway.ts → lambda/host.ts) against hostile calls:
 * it answers like Lambda (413 above the payload quotas, 400 for an unknown invocation type), one
 * bad call never takes the run down or keeps an execution environment, and what fails in an
 * asynchronous invocation is retried and logged, never left as an unhandled rejection. The
 * fixture stack runs with one execution environment per function, so an environment that a
 * call failed to give back would make the next call wait forever.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { uniqueEnvironment } from '../../../tools/local/runtime';
import { startFixtureRuntime, tempDir, waitFor } from './helpers';

let rt: LocalRuntime;
let lambda: LambdaClient;
const lines: string[] = [];
const workDir = tempDir('local-hostile-');

beforeAll(async () => {
  rt = await startFixtureRuntime({
    environment: uniqueEnvironment('hx'),
    workDir,
    recordInvocations: true,
    maxEnvironments: 1,
    log: (line) => lines.push(line),
  });
  lambda = new LambdaClient({ ...LOCAL_AWS, endpoint: rt.gateway.endpoint });
}, 300_000);

afterAll(async () => {
  lambda?.destroy();
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const MIB = 1024 * 1024;
/** A JSON array nested `depth` levels deep. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** Depth of the arrays nested in `value` (iterative: the value may be too deep for recursion). */
const depthOf = (value: unknown): number => {
  let depth = 0;
  for (let v = value; Array.isArray(v); v = v[0]) {
    depth++;
  }
  return depth;
};
/** A JSON object of about `bytes` bytes. */
const sized = (bytes: number): string => JSON.stringify({ blob: 'x'.repeat(bytes - 11) });

/** Invokes the echo fixture over plain HTTP, as any client could. */
async function invoke(body: string, type?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${rt.gateway.endpoint}/2015-03-31/functions/${rt.functionOf('echo').name}/invocations`, {
    method: 'POST',
    body,
    headers: type === undefined ? {} : { 'x-amz-invocation-type': type },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A normal call answers: proof that the run is up and the function's environment is free. */
async function expectServed(): Promise<void> {
  const answer = await invoke(JSON.stringify({ ping: 'after' }));
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text)).toMatchObject({ echo: { ping: 'after' }, kind: 'ECHO' });
}

const calls = (source: string) => rt.host.invocations.filter((i) => i.source === source);

describe('the local Lambda Invoke API against hostile calls', () => {
  it('an Event invoke whose JSON nests 5,000 levels is accepted, runs with the event as sent, and leaves the run up', async () => {
    const before = calls('lambda-api:event').length;
    const answer = await invoke(nested(5000), 'Event');
    expect(answer.status).toBe(202);
    await waitFor('the asynchronous invocation', () => calls('lambda-api:event').length > before, 20_000);
    const [run] = calls('lambda-api:event').slice(before);
    expect(run.outcome.ok).toBe(true);
    expect(depthOf((run.outcome as { payload: { echo: unknown } }).payload.echo)).toBe(5000);
    await expectServed();
  });

  it('a synchronous invoke nesting 5,000 levels gets the function\'s answer, and the next call is served', async () => {
    const answer = await invoke(nested(5000));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-amz-function-error')).toBeNull();
    expect(depthOf((JSON.parse(answer.text) as { echo: unknown }).echo)).toBe(5000);
    await expectServed();
  });

  it('a response too deep for the function to serialize is a function error, as in Lambda, and the next call is served', async () => {
    const answer = await invoke(nested(200_000));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(JSON.parse(answer.text)).toMatchObject({ errorType: 'RangeError' });
    await expectServed();
  });

  it('an Event invoke that fails every time is retried twice and its failure logged, never unhandled', async () => {
    const before = calls('lambda-api:event').length;
    expect((await invoke(JSON.stringify({ explode: true, tag: 'async-failure' }), 'Event')).status).toBe(202);
    await waitFor('the failure in the run log', () => lines.some((l) => l.includes('asynchronous invocation') && l.includes('Exploded: asked to explode')), 20_000);
    const attempts = calls('lambda-api:event').slice(before);
    expect(attempts).toHaveLength(3);
    expect(attempts.every((a) => !a.outcome.ok)).toBe(true);
    expect(lines.filter((l) => l.includes('asynchronous invocation'))).toEqual([
      `error in the Lambda API: asynchronous invocation of ${rt.functionOf('echo').name} failed, retries included: Exploded: asked to explode`,
    ]);
    await expectServed();
  });

  it('a 7 MiB payload is refused with 413 RequestEntityTooLargeException (synchronous limit 6 MB), before the function runs', async () => {
    const before = rt.host.invocations.length;
    await expect(lambda.send(new InvokeCommand({ FunctionName: rt.functionOf('echo').name, Payload: Buffer.from(sized(7 * MIB)) }))).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
    const dryRun = await invoke(sized(7 * MIB), 'DryRun');
    expect(dryRun.status).toBe(413);
    expect(rt.host.invocations.length).toBe(before);
    await expectServed();
  });

  it('an Event payload above 1 MB is refused with 413; one of 1 MB (above the former 256 KB quota) is accepted', async () => {
    const before = calls('lambda-api:event').length;
    const tooLarge = await invoke(sized(MIB + 1), 'Event');
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
    expect(JSON.parse(tooLarge.text)).toMatchObject({ message: `${MIB + 1} byte payload is too large for the Event invocation type (limit ${MIB} bytes)` });
    expect((await invoke(sized(MIB), 'Event')).status).toBe(202);
    await waitFor('the accepted event', () => calls('lambda-api:event').length === before + 1, 20_000);
    await expectServed();
  });

  it.each(['Async', 'event'])('an unknown invocation type (%j) is refused with 400 ValidationException, as Lambda does', async (type) => {
    const before = rt.host.invocations.length;
    const answer = await invoke(JSON.stringify({ ping: 'typed' }), type);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(JSON.parse(answer.text)).toMatchObject({
      message: `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    });
    expect(rt.host.invocations.length).toBe(before);
  });

  it('a client that hangs up in the middle of its request body does not take the run down', async () => {
    const { hostname, port } = new URL(rt.gateway.endpoint);
    await new Promise<void>((resolve) => {
      const request = http.request({ hostname, port, method: 'POST', path: `/2015-03-31/functions/${rt.functionOf('echo').name}/invocations`, headers: { 'content-length': '1000' } });
      request.on('error', () => resolve());
      request.write('{"half":', () => request.destroy());
      request.on('close', () => resolve());
    });
    await expectServed();
  });
});
