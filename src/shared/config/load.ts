import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Config } from './schema';
import type { ConfigEnv, MergedConfig } from './core';
import type { Plain } from './core';
import { CONFIG_ENVS, ConfigError, deepMerge, interpolate, isPlain, validateConfig } from './core';

// Reading YAML files lives here, apart from ./core, so worker bundles (which carry their
// configuration baked in) never include the YAML parser.
export * from './core';

function recordOrigins(value: unknown, file: string, prefix: string, origins: Record<string, string>): void {
  if (!isPlain(value)) {
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    origins[keyPath] = file;
    recordOrigins(v, file, keyPath, origins);
  }
}

function readYaml(file: string): Plain {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read ${path.basename(file)}: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) {
    return {};
  }
  if (!isPlain(parsed)) {
    throw new ConfigError(`${path.basename(file)} must hold a YAML mapping at the top level`);
  }
  return parsed;
}

/**
 * Directory of the YAML files: `CONFIG_DIR` when set, else the nearest `configs/` holding
 * default.config.yml above this module (or the working directory) — so the same code finds the
 * repository's configs from its source folder and from a tool compiled into another folder.
 */
function findConfigDir(): string {
  if (process.env.CONFIG_DIR) {
    return path.resolve(process.env.CONFIG_DIR);
  }
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'configs', 'default.config.yml'))) {
        return path.join(dir, 'configs');
      }
      if (path.dirname(dir) === dir) {
        break;
      }
    }
  }
  return path.resolve(__dirname, '../../../configs');
}

/** Default directory of the YAML files (the repository's `configs/`). */
export const DEFAULT_CONFIG_DIR = findConfigDir();

/** Reads `default.config.yml` and `<env>.config.yml` from `dir` and deep-merges them. */
export function loadMergedConfig(env: string, dir = DEFAULT_CONFIG_DIR): MergedConfig {
  if (!(CONFIG_ENVS as readonly string[]).includes(env)) {
    throw new ConfigError(`Unknown CONFIG_ENV "${env}"; expected one of ${CONFIG_ENVS.join(', ')}`);
  }
  const defaultFile = path.join(dir, 'default.config.yml');
  const envFile = path.join(dir, `${env}.config.yml`);
  for (const f of [defaultFile, envFile]) {
    if (!existsSync(f)) {
      throw new ConfigError(`Configuration file not found: ${f}`);
    }
  }
  const base = readYaml(defaultFile);
  const override = readYaml(envFile);
  const origins: Record<string, string> = {};
  recordOrigins(base, path.basename(defaultFile), '', origins);
  recordOrigins(override, path.basename(envFile), '', origins);
  return { env: env as ConfigEnv, values: deepMerge(base, override), origins };
}

/** Loads, interpolates and validates the configuration of `env` from YAML files. */
export function loadConfig(env: string, options: { dir?: string; environment?: NodeJS.ProcessEnv } = {}): Config {
  const merged = loadMergedConfig(env, options.dir);
  return validateConfig(interpolate(merged.values, options.environment ?? process.env), merged);
}
