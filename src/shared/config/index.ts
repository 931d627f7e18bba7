import type { Config } from './schema';
import type { MergedConfig } from './load';
import { interpolate, loadConfig, validateConfig } from './load';

export type { Config } from './schema';
export { ConfigError, loadConfig, loadMergedConfig, CONFIG_ENVS, CONFIG_ENV_BY_TF_ENV } from './load';
export type { ConfigEnv } from './load';

/**
 * The build bakes the environment's merged (uninterpolated) configuration into each bundle as
 * this global (esbuild `define`); outside a bundle the YAML files are read instead.
 */
declare const __REG_WORKERS_CONFIG__: MergedConfig | undefined;

let cached: Config | undefined;

/** The configuration of this execution environment, loaded once: baked config in a bundle, else CONFIG_ENV (default `local`). */
export function getConfig(): Config {
  if (cached) {
    return cached;
  }
  const baked = typeof __REG_WORKERS_CONFIG__ === 'undefined' ? undefined : __REG_WORKERS_CONFIG__;
  cached = baked
    ? validateConfig(interpolate(baked.values, process.env), baked)
    : loadConfig(process.env.CONFIG_ENV ?? 'local');
  return cached;
}

/** Forgets the cached configuration (tests that change the environment between cases). */
export function resetConfigCache(): void {
  cached = undefined;
}
