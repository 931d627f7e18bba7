import type { Config } from './schema';
import type { MergedConfig } from './core';
import type * as Files from './load';
import { interpolate, validateConfig } from './core';

export type { Config } from './schema';
export { ConfigError, CONFIG_ENVS, CONFIG_ENV_BY_TF_ENV } from './core';
export type { ConfigEnv } from './core';

/**
 * The build bakes the environment's merged (uninterpolated) configuration into each bundle as
 * this global (esbuild `define`); outside a bundle the YAML files are read instead.
 */
declare const __REG_WORKERS_CONFIG__: MergedConfig | undefined;
/** `true` in a bundle (esbuild `define`), so the bundler drops the YAML branch below as dead code. */
declare const __REG_WORKERS_CONFIG_BAKED__: boolean | undefined;

let cached: Config | undefined;

/** The configuration of this execution environment, loaded once: baked config in a bundle, else CONFIG_ENV (default `local`). */
export function getConfig(): Config {
  if (cached) {
    return cached;
  }
  if (typeof __REG_WORKERS_CONFIG_BAKED__ !== 'undefined' && __REG_WORKERS_CONFIG_BAKED__) {
    const baked = __REG_WORKERS_CONFIG__ as MergedConfig;
    cached = validateConfig(interpolate(baked.values, process.env), baked);
  } else {
    // Only outside a bundle: the build defines the global, so this branch and the YAML reader are dropped.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require('./load') as typeof Files;
    cached = loadConfig(process.env.CONFIG_ENV ?? 'local');
  }
  return cached;
}

/** Forgets the cached configuration (tests that change the environment between cases). */
export function resetConfigCache(): void {
  cached = undefined;
}
