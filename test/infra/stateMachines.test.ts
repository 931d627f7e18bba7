/**
 * The state machine files Terraform deploys (*.asl.json): valid Amazon States Language once the
 * worker placeholders are replaced with ARNs, tasks that are registry workers, and the behaviour
 * the workers rely on — run with aws-local-stepfunctions, the executor the local runtime uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { listFiles, STACKS_DIR } from './hcl';
import { WORKERS } from '../../src/workers/registry';

// asl-validator ships no types.
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

type Definition = ConstructorParameters<typeof StateMachine>[0];
type Json = Parameters<StateMachine['run']>[0];

const aslFiles = listFiles(STACKS_DIR, /\.asl\.json$/);
const dummyArn = (worker: string) => `arn:aws:lambda:us-east-1:123456789012:function:prd2011-qa1-us-east-1-${worker}`;

/** Placeholders of an ASL file: ${name} anywhere in the text. */
const placeholders = (text: string): string[] =>
  [...new Set([...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]))].sort();

/** The definition with every placeholder replaced, as Terraform's templatefile does. */
function render(file: string): Definition {
  const text = readFileSync(file, 'utf8');
  return JSON.parse(text.replace(/\$\{([^}]*)\}/g, (_m, name: string) => dummyArn(name))) as Definition;
}

const stateMachineFile = (stack: string, name: string) => path.join(STACKS_DIR, stack, `${name}.asl.json`);

describe('ASL files', () => {
  it('exist for both state machines', () => {
    expect(aslFiles.map((f) => path.relative(STACKS_DIR, f)).sort()).toEqual([
      'notification/notification-step-fn.asl.json',
      'selection/selection-step-fn.asl.json',
    ]);
  });

  it.each(aslFiles.map((f) => [path.basename(f), f]))('%s validates with asl-validator', (_name, file) => {
    const result = aslValidator(render(file));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('the validator rejects a broken definition (so the check above means something)', () => {
    const broken = render(aslFiles[0]) as unknown as { StartAt: string };
    broken.StartAt = 'NoSuchState';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it.each(aslFiles.map((f) => [path.basename(f), f]))(
    '%s uses placeholders only as Task resources, each a registry worker of its stack',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      const stack = path.basename(path.dirname(file));
      const definition = JSON.parse(text) as { States: Record<string, { Type: string; Resource?: string }> };
      const taskResources = Object.values(definition.States)
        .filter((s) => s.Type === 'Task')
        .map((s) => s.Resource);
      expect(taskResources.every((r) => /^\$\{\w+\}$/.test(String(r)))).toBe(true);
      expect(placeholders(text)).toEqual([...new Set(taskResources.map((r) => String(r).slice(2, -1)))].sort());
      for (const name of placeholders(text)) {
        expect(WORKERS.find((w) => w.name === name)?.stack).toBe(stack);
      }
    },
  );

  it.each(aslFiles.map((f) => [path.basename(f), f]))(
    '%s retries Lambda service errors and catches everything else, ending in a Fail state',
    (_name, file) => {
      const definition = render(file) as unknown as {
        States: Record<
          string,
          {
            Type: string;
            Retry?: { ErrorEquals: string[]; BackoffRate?: number }[];
            Catch?: { ErrorEquals: string[]; Next: string }[];
          }
        >;
      };
      const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, task] of tasks) {
        expect(task.Retry?.[0].ErrorEquals).toEqual([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ]);
        expect(task.Retry?.[0].BackoffRate).toBeGreaterThan(1);
        expect(task.Catch?.[0].ErrorEquals).toEqual(['States.ALL']);
        // A catch may go through tasks (selection-step-fn's ReportFailure) that catch
        // everything too, never in a circle, and always ends in a Fail state.
        const seen = [name];
        let current = task.Catch![0].Next;
        while (definition.States[current].Type === 'Task') {
          expect(seen).not.toContain(current);
          seen.push(current);
          const catcher = definition.States[current].Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
          expect(catcher).toBeDefined();
          current = catcher!.Next;
        }
        expect(definition.States[current].Type).toBe('Fail');
      }
    },
  );

  it('task timeouts leave room for the workers own timeouts', () => {
    for (const file of aslFiles) {
      const text = readFileSync(file, 'utf8');
      const definition = JSON.parse(text) as {
        States: Record<string, { Type: string; Resource?: string; TimeoutSeconds?: number }>;
      };
      for (const state of Object.values(definition.States).filter((s) => s.Type === 'Task')) {
        const worker = WORKERS.find((w) => `\${${w.name}}` === state.Resource);
        expect(state.TimeoutSeconds).toBeGreaterThan(worker?.timeoutSeconds ?? Infinity);
      }
    }
  });
});

describe('selection-step-fn', () => {
  const machine = () => new StateMachine(render(stateMachineFile('selection', 'selection-step-fn')));

  it('invokes enqueueMarketSelections page by page, passing the cursor back, until done', async () => {
    const calls: Json[] = [];
    const pages = [
      { done: false, cursor: 'after-25000', counts: { queued: 25000 } },
      { done: false, cursor: 'after-50000', counts: { queued: 25000 } },
      { done: true, cursor: null, counts: { queued: 1200 } },
    ];
    const input = { campaignId: 'c1', marketId: 'm1', dateId: 'd1', selectionCount: 51200 };
    const { result } = machine().run(input, {
      overrides: {
        taskResourceLocalHandlers: {
          EnqueueMarketSelections: (payload: Json) => {
            calls.push(payload);
            return pages[calls.length - 1];
          },
        },
      },
    });
    await expect(result).resolves.toEqual(pages[2]);
    expect(calls).toEqual([input, { ...input, cursor: 'after-25000' }, { ...input, cursor: 'after-50000' }]);
  });

  const input = { campaignId: 'c1', marketId: 'm1', dateId: 'd1' };
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });

  /** Runs the machine with `page` as EnqueueMarketSelections and `report` as ReportFailure. */
  function runWith(
    page: (payload: Json) => Json | Promise<Json>,
    report: (payload: Json) => Json | Promise<Json> = () => ({ reported: true }),
    options: { definition?: Definition; retryIntervals?: Record<string, number> } = {},
  ) {
    const calls: [string, Json][] = [];
    const machine = new StateMachine(options.definition ?? render(stateMachineFile('selection', 'selection-step-fn')));
    const { result } = machine.run(input, {
      overrides: {
        retryIntervalOverrides: options.retryIntervals,
        taskResourceLocalHandlers: {
          EnqueueMarketSelections: (payload: Json) => (calls.push(['EnqueueMarketSelections', payload]), page(payload)),
          ReportFailure: (payload: Json) => (calls.push(['ReportFailure', payload]), report(payload)),
        },
      },
    });
    return { result, calls };
  }

  it.each([
    ['its own error (it has written FAILED stats itself)', 'CodeReservationError', 'not enough codes'],
    ['a Lambda timeout', 'Sandbox.Timedout', 'Task timed out after 900.00 seconds'],
    ['running out of memory', 'Runtime.OutOfMemory', 'Runtime exited with error: signal: killed'],
    ['an unknown Lambda error', 'Lambda.Unknown', 'The cause of the error could not be determined'],
  ])(
    'when a page fails with %s, invokes the worker again with the request and the error to report it, then fails',
    async (_what, error, cause) => {
      const { result, calls } = runWith((payload) => {
        if ((payload as { cursor?: string }).cursor) {
          throw named(error, cause);
        }
        return { done: false, cursor: 'after-25000', counts: {} };
      });
      await expect(result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
      expect(calls).toEqual([
        ['EnqueueMarketSelections', input],
        ['EnqueueMarketSelections', { ...input, cursor: 'after-25000' }],
        ['ReportFailure', { ...input, cursor: 'after-25000', failure: { Error: error, Cause: cause } }],
      ]);
    },
  );

  it('reports a page the state machine gave up on (States.Timeout of the task) and fails', async () => {
    const definition = render(stateMachineFile('selection', 'selection-step-fn')) as unknown as {
      States: Record<string, { TimeoutSeconds?: number }>;
    };
    expect(definition.States.EnqueueMarketSelections.TimeoutSeconds).toBe(960);
    definition.States.EnqueueMarketSelections.TimeoutSeconds = 1;
    const { result, calls } = runWith(() => new Promise<Json>(() => undefined), undefined, {
      definition: definition as unknown as Definition,
    });
    await expect(result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
    expect(calls).toEqual([
      ['EnqueueMarketSelections', input],
      ['ReportFailure', { ...input, failure: { Error: 'States.Timeout', Cause: expect.any(String) } }],
    ]);
  });

  it('still fails in SelectionFailed when the report fails, and retries a throttled report', async () => {
    const failing = runWith(
      () => {
        throw named('Sandbox.Timedout', 'timed out');
      },
      () => {
        throw named('ServiceError', 'Entry Service down');
      },
    );
    await expect(failing.result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
    expect(failing.calls.map(([state]) => state)).toEqual(['EnqueueMarketSelections', 'ReportFailure']);

    let reports = 0;
    const throttled = runWith(
      () => {
        throw named('Sandbox.Timedout', 'timed out');
      },
      () => {
        reports += 1;
        if (reports === 1) {
          throw named('Lambda.TooManyRequestsException', 'Rate exceeded');
        }
        return { reported: true };
      },
      { retryIntervals: { ReportFailure: 0 } },
    );
    await expect(throttled.result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
    expect(reports).toBe(2);
  });

  it('retries a throttled invocation', async () => {
    let attempts = 0;
    const { result } = machine().run(
      { campaignId: 'c1', marketId: 'm1', dateId: 'd1' },
      {
        overrides: {
          retryIntervalOverrides: { EnqueueMarketSelections: 0 },
          taskResourceLocalHandlers: {
            EnqueueMarketSelections: () => {
              attempts += 1;
              if (attempts === 1) {
                throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
              }
              return { done: true, cursor: null, counts: {} };
            },
          },
        },
      },
    );
    await expect(result).resolves.toEqual({ done: true, cursor: null, counts: {} });
    expect(attempts).toBe(2);
  });
});

describe('notification-step-fn', () => {
  const machine = () => new StateMachine(render(stateMachineFile('notification', 'notification-step-fn')));

  it('runs getMarketsToNotify in planning mode, then planSends, then triggerReminderEmail', async () => {
    const calls: [string, Json][] = [];
    const markets = [{ id: 'm1', campaign_id: 'c1' }];
    const { result } = machine().run(
      {},
      {
        overrides: {
          taskResourceLocalHandlers: {
            GetMarketsToNotify: (input: Json) => {
              calls.push(['getMarketsToNotify', input]);
              return { markets };
            },
            PlanSends: (input: Json) => {
              calls.push(['planSends', input]);
              return { plannedCount: 1, errors: [] };
            },
            TriggerReminderEmail: (input: Json) => {
              calls.push(['triggerReminderEmail', input]);
              return { triggered: 0 };
            },
          },
        },
      },
    );
    await expect(result).resolves.toEqual({ triggered: 0 });
    expect(calls).toEqual([
      ['getMarketsToNotify', { mode: 'planning' }],
      ['planSends', { markets }],
      ['triggerReminderEmail', { plannedCount: 1, errors: [] }],
    ]);
  });

  it('stops with a failure when planning fails', async () => {
    let emailed = false;
    const { result } = machine().run(
      {},
      {
        overrides: {
          taskResourceLocalHandlers: {
            GetMarketsToNotify: () => ({ markets: [] }),
            PlanSends: () => {
              throw new Error('Mongo unavailable');
            },
            TriggerReminderEmail: () => {
              emailed = true;
              return {};
            },
          },
        },
      },
    );
    await expect(result).rejects.toMatchObject({ cause: { name: 'NotificationPlanningFailed' } });
    expect(emailed).toBe(false);
  });
});
