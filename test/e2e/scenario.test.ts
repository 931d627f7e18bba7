/**
 * End to end: the local runtime wires the real workers from the real stacks and the scenario
 * takes a campaign of two markets and 120 fans through registration, replication, the data
 * pipeline to Kafka, selection and code assignment, and reminder planning and generation. The
 * scenario checks its own invariants; this test requires every one of them to hold.
 */
import { rmSync } from 'node:fs';
import type { LocalRuntime } from '../../tools/local/runtime';
import { startRuntime, uniqueEnvironment } from '../../tools/local/runtime';
import type { ScenarioResult } from '../../tools/local/scenario';
import { runScenario } from '../../tools/local/scenario';
import { stageTable } from '../../tools/local/main';
import { readSpans, spanTree } from '../../tools/local/tracing/spanTree';
import { REPO_ROOT, tempDir } from '../integration/local/helpers';

let rt: LocalRuntime;
const lines: string[] = [];
/** The status lines shown while the scenario waits (replaced in place on a terminal). */
const statuses: string[] = [];
const workDir = tempDir('e2e-runtime-');

beforeAll(async () => {
  rt = await startRuntime({
    root: REPO_ROOT,
    environment: uniqueEnvironment('e'),
    workDir,
    log: (line) => lines.push(line),
    // Its own Kafka broker: the scenario publishes, and test/bad-input reads the shared one expecting nothing new.
    ownKafka: true,
  });
}, 300_000);

afterAll(async () => {
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the whole system on one machine', () => {
  let result: ScenarioResult;

  it('runs every worker from its Terraform wiring', () => {
    const notReady = [...rt.handlers.values()].filter((h) => h.status !== 'ready');
    expect(notReady).toEqual([]);
    expect(rt.model.functions).toHaveLength(15);
  });

  it('takes a campaign from registration to reminders with every invariant holding', async () => {
    result = await runScenario(rt, { fans: 120, markets: 2, faults: false, log: (line) => lines.push(line), status: (line) => statuses.push(line), settleTimeoutMs: 240_000 });
    const failed = result.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`);
    expect({ failed, log: failed.length ? [...lines, stageTable(result.stages)].join('\n') : '' }).toEqual({ failed: [], log: '' });
    expect(result.invariants.length).toBeGreaterThanOrEqual(15);
  }, 600_000);

  it('reports every stage of the pipeline, nothing failed or dead-lettered', () => {
    const byStage = Object.fromEntries(result.stages.map((s) => [s.stage, s]));
    expect(byStage.checkEligibility).toMatchObject({ in: 120, processed: 117, rejected: 3 });
    // Every registration, then the deletion and the changed registration of the last phase.
    expect(byStage.saveEntries.processed).toBe(119);
    for (const stage of result.stages) {
      expect({ stage: stage.stage, failed: stage.failed, deadLettered: stage.deadLettered }).toEqual({ stage: stage.stage, failed: 0, deadLettered: 0 });
      expect({ stage: stage.stage, ran: stage.in > 0 }).toEqual({ stage: stage.stage, ran: true });
    }
  });

  it('says in its progress line what it waits for', () => {
    const waiting = statuses.filter((line) => /^ {2}… .+ \(\d+ invocations so far\): waiting for \S/.test(line));
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.some((line) => /invocation\(s\) running|holds \d+ message\(s\)|execution\(s\) running|has not read its stream dry/.test(line))).toBe(true);
  });

  it('follows one registration and one selection in one trace each, as npm start prints them', () => {
    const spans = readSpans(rt.tracing!.file);
    const registration = spanTree(spans, result.traces.registration!.traceId).join('\n');
    for (const hop of [/^register fan/m, /worker checkEligibility/, /enqueueEntries process/, /saveEntries process/, /entries POST \/v2\/entries 200/, /processData process/, /sendData process/, /kafka send/]) {
      expect({ hop: String(hop), found: hop.test(registration) }).toEqual({ hop: String(hop), found: true });
    }
    const selection = spanTree(spans, result.traces.selection!.traceId).join('\n');
    for (const hop of [/^select market/m, /worker enqueueMarketSelections/, /codes GET \S+\/reserve 200/, /saveSelections process/, /entries POST \S+\/entries\/codes 200/, /markAssignedCodes process/, /codes POST \S+\/assign 200/]) {
      expect({ hop: String(hop), found: hop.test(selection) }).toEqual({ hop: String(hop), found: true });
    }
  });
});
