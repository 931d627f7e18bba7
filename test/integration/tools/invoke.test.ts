/**
 * workers:invoke runs a handler on this machine, bundled as the build bundles it, and prints
 * the result as JSON (the worker's logs go to standard error).
 */
import { WORKERS } from '../../../src/workers/registry';
import { runTool } from './run';

jest.setTimeout(60_000);

const INVOKE = 'tools/invoke/main.ts';
const PROBE = 'test/integration/tools/fixtures/probeWorker/index.ts';

describe('workers:invoke', () => {
  it('runs the handler with the JSON event and prints its result, with CONFIG_ENV=local by default', async () => {
    const result = await runTool(INVOKE, ['--entry', PROBE, '{"campaignId":"c1","n":2}'], {
      env: { DEMAND_TABLE_NAME: 'invoke-table' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      environment: 'local',
      demandTable: 'invoke-table',
      configEnv: 'local',
      echo: { campaignId: 'c1', n: 2 },
    });
    // The worker's structured log lines, on standard error.
    const logs = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { message: string });
    expect(logs.map((l) => l.message)).toEqual(['probe ran', 'invocation finished']);
  });

  it('uses the configuration of --env and reads the event from standard input', async () => {
    const result = await runTool(INVOKE, ['--entry', PROBE, '-', '--env', 'qa'], { input: '{"from":"stdin"}' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      environment: 'qa',
      demandTable: 'prd3292-qa1-us-east-1-demand-table',
      configEnv: 'qa',
      echo: { from: 'stdin' },
    });
  });

  it('runs a registry worker by name (enqueueEntries, an empty stream batch)', async () => {
    const result = await runTool(INVOKE, ['enqueueEntries', '{"Records":[]}']);
    expect(result.stderr).toContain('invoking enqueueEntries (CONFIG_ENV=local)');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ batchItemFailures: [] });
  });

  it('exits 1 and prints the error when the handler throws', async () => {
    const result = await runTool(INVOKE, ['--entry', PROBE, '{"fail":true}']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('probeWorker failed after');
    expect(result.stderr).toContain('Error: probe failure requested');
  });

  it('lists the known workers for an unknown one, and rejects an event that is not JSON', async () => {
    const unknown = await runTool(INVOKE, ['saveEntriez', '{}']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `error: unknown worker "saveEntriez"; known workers: ${WORKERS.map((w) => w.name).join(', ')}`,
    );
    const badJson = await runTool(INVOKE, ['--entry', PROBE, '{oops']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('error: the event is not valid JSON');
  });

  it('documents itself with --help', async () => {
    const result = await runTool(INVOKE, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "usage: npm run workers:invoke -- <worker> ['<json>' | @event.json | -] [--env ENV]",
    );
  });
});
