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
    '%s retries Lambda service errors and catches everything else into a Fail state',
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
      const tasks = Object.values(definition.States).filter((s) => s.Type === 'Task');
      expect(tasks.length).toBeGreaterThan(0);
      for (const task of tasks) {
        expect(task.Retry?.[0].ErrorEquals).toEqual([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ]);
        expect(task.Retry?.[0].BackoffRate).toBeGreaterThan(1);
        expect(task.Catch?.[0].ErrorEquals).toEqual(['States.ALL']);
        expect(definition.States[task.Catch![0].Next].Type).toBe('Fail');
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

  it('fails the execution when the worker fails (it has reported FAILED stats)', async () => {
    const { result } = machine().run(
      { campaignId: 'c1', marketId: 'm1', dateId: 'd1' },
      {
        overrides: {
          taskResourceLocalHandlers: {
            EnqueueMarketSelections: () => {
              throw Object.assign(new Error('not enough codes'), { name: 'CodeReservationError' });
            },
          },
        },
      },
    );
    await expect(result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
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
