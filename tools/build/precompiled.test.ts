/**
 * The validators the build compiles ahead of time (tools/build/bundle.ts `bundledSource`) must
 * accept and refuse exactly what ajv's run-time compilation does, with the same errors: the
 * ConfigError messages and the data pipeline's rejection reasons are built from them.
 */
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { CONFIG_ENVS, interpolate, loadMergedConfig } from '../../src/shared/config/load';
import { configValidator } from '../../src/shared/config/validator';
import { DATA_TYPES } from '../../src/shared/dataPipeline/schemas';
import type { DataValidators } from '../../src/shared/dataPipeline/validators';
import { dataValidators } from '../../src/shared/dataPipeline/validators';
import { bundledSource } from './bundle';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG_VALIDATOR = path.join(ROOT, 'src', 'shared', 'config', 'validator.ts');
const DATA_VALIDATORS = path.join(ROOT, 'src', 'shared', 'dataPipeline', 'validators.ts');

/** Runs a precompiled module as the bundle would (CommonJS, requiring ajv's runtime helpers). */
function load<T>(file: string): T {
  const module = { exports: {} as T };
  new Function('module', 'exports', 'require', bundledSource(file))(module, module.exports, require);
  return module.exports;
}

const outcome = (validate: ValidateFunction, input: unknown) => ({
  valid: validate(input),
  errors: validate.errors ?? null,
});

it('is standalone code: no ajv compiling at run time', () => {
  for (const file of [CONFIG_VALIDATOR, DATA_VALIDATORS]) {
    expect(bundledSource(file)).not.toMatch(/require\("ajv"\)|\.compile\(/);
  }
});

describe('the precompiled configuration validator', () => {
  const built = load<{ configValidator: () => ValidateFunction }>(CONFIG_VALIDATOR).configValidator();
  const compiled = configValidator();
  const values = (env: (typeof CONFIG_ENVS)[number]) =>
    interpolate(loadMergedConfig(env, path.join(ROOT, 'configs')).values, {}) as Record<
      string,
      Record<string, unknown>
    >;

  it.each(CONFIG_ENVS)('accepts the %s configuration as ajv does', (env) => {
    expect(outcome(built, values(env))).toEqual({ valid: true, errors: null });
    expect(outcome(compiled, values(env)).valid).toBe(true);
  });

  it('refuses bad configurations with the errors ajv gives', () => {
    const base = values('qa');
    for (const input of [
      { ...base, unknownTopLevel: 1 },
      { ...base, aws: { ...base.aws, demandTabel: 'x' } },
      { ...base, kafka: undefined },
      { ...base, redis: { ...base.redis, url: 'ftp://nope' } },
      { ...base, environment: 42 },
      'not an object',
    ]) {
      const expected = outcome(compiled, input);
      expect(expected.valid).toBe(false);
      expect(outcome(built, input)).toEqual(expected);
    }
  });
});

describe('the precompiled data record validators', () => {
  const built = load<{ dataValidators: () => DataValidators }>(DATA_VALIDATORS).dataValidators();
  const compiled = dataValidators();
  const dedupe = { id: 'f'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };
  const minimal = {
    campaign: { campaignId: 'c1', dedupe },
    market: { campaignId: 'c1', marketId: 'm1', dedupe },
    eventMapping: { campaignId: 'c1', marketId: 'm1', eventIds: ['E1'], dedupe },
    registeredMarket: { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: 1, dedupe },
    registration: { campaignId: 'c1', globalUserId: 'g1', dedupe },
  } as const;

  it('has a validator for every data type', () => {
    expect(Object.keys(built).sort()).toEqual([...DATA_TYPES].sort());
  });

  it.each(DATA_TYPES)('accepts and refuses %s records as ajv does, date-time format included', (type) => {
    const inputs: unknown[] = [
      minimal[type],
      { ...minimal[type], dedupe: { ...dedupe, timestamp: 'yesterday' } },
      { ...minimal[type], dedupe: { ...dedupe, timestamp: '2026-02-30T25:00:00Z' } },
      { ...minimal[type], unexpected: true },
      { dedupe },
      [],
      null,
    ];
    expect(outcome(built[type], inputs[0])).toEqual({ valid: true, errors: null });
    for (const input of inputs.slice(1)) {
      const expected = outcome(compiled[type], input);
      expect(expected.valid).toBe(false);
      expect(outcome(built[type], input)).toEqual(expected);
    }
  });
});
