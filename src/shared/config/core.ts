import type { ErrorObject } from 'ajv';
import type { Config } from './schema';
import { configValidator } from './validator';

export const CONFIG_ENVS = ['dev', 'qa', 'preprod', 'prod', 'local'] as const;
export type ConfigEnv = (typeof CONFIG_ENVS)[number];

/** Terraform environment → config environment (DOMAIN.md 7). */
export const CONFIG_ENV_BY_TF_ENV: Record<string, ConfigEnv> = {
  qa1: 'qa',
  dev1: 'dev',
  preprod1: 'preprod',
  prod1: 'prod',
};

/** Raised for any configuration problem; the message lists every problem with key and file. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'ConfigError';
  }
}

export type Plain = Record<string, unknown>;
/** True for a plain (non-array, non-null) object. */
export const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merged (not yet interpolated) configuration plus, for each key path, the file that set it. */
export interface MergedConfig {
  env: ConfigEnv;
  values: Plain;
  origins: Record<string, string>;
}

/** Deep-merges `override` over `base`: objects key by key, arrays and scalars replaced. */
export function deepMerge(base: Plain, override: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      continue;
    }
    out[key] = isPlain(value) && isPlain(out[key]) ? deepMerge(out[key] as Plain, value) : value;
  }
  return out;
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${env:NAME}` / `${env:NAME:-fallback}` in every string; a missing variable without fallback is an error. */
export function interpolate(values: unknown, environment: NodeJS.ProcessEnv, keyPath = ''): unknown {
  if (typeof values === 'string') {
    return values.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = environment[name];
      if (v !== undefined && v !== '') {
        return v;
      }
      if (fallback !== undefined) {
        return fallback;
      }
      throw new ConfigError(`Configuration key "${keyPath}" needs environment variable ${name}, which is not set`);
    });
  }
  if (Array.isArray(values)) {
    return values.map((v, i) => interpolate(v, environment, `${keyPath}[${i}]`));
  }
  if (isPlain(values)) {
    return Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, interpolate(v, environment, keyPath ? `${keyPath}.${k}` : k)]),
    );
  }
  return values;
}

function describe(error: ErrorObject, merged: MergedConfig): string {
  const at = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const fileOf = (key: string) => merged.origins[key] ?? merged.origins[at] ?? `${merged.env}.config.yml`;
  if (error.keyword === 'additionalProperties') {
    const key = at ? `${at}.${error.params.additionalProperty}` : String(error.params.additionalProperty);
    return `unknown key "${key}" in ${fileOf(key)}`;
  }
  if (error.keyword === 'required') {
    const key = at ? `${at}.${error.params.missingProperty}` : String(error.params.missingProperty);
    return `missing key "${key}" (set it in default.config.yml or ${merged.env}.config.yml)`;
  }
  return `key "${at}" ${error.message} (from ${fileOf(at)})`;
}

/** Validates interpolated values against the schema; throws a ConfigError naming each bad key and its file. */
export function validateConfig(values: unknown, merged: MergedConfig): Config {
  const validate = configValidator();
  if (!validate(values)) {
    const problems = (validate.errors ?? []).map((e) => describe(e, merged));
    throw new ConfigError(`Invalid configuration for CONFIG_ENV=${merged.env}`, [...new Set(problems)]);
  }
  const config = values as Config;
  // Security rule: Kafka carries fan data, so plaintext is allowed only against the local mock broker.
  if (!config.kafka.ssl && config.environment !== 'local') {
    throw new ConfigError(`Invalid configuration for CONFIG_ENV=${merged.env}`, [
      `key "kafka.ssl" must be true outside local runs (from ${merged.origins['kafka.ssl'] ?? 'default.config.yml'})`,
    ]);
  }
  return config;
}
