import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { configSchema } from './schema';

/** ajv options of the configuration schema; the build's precompiled validator uses the same. */
export const CONFIG_AJV_OPTIONS = { allErrors: true, strict: true } as const;

let compiled: ValidateFunction | undefined;

/**
 * The configuration schema's validate function. Run from source (tests, tools), ajv compiles it on
 * first use. In a worker bundle the build puts in its place the same function compiled at build
 * time by ajv's standalone code generator (tools/build/bundle.ts), so a worker neither loads ajv
 * nor compiles the schema in its cold start.
 */
export function configValidator(): ValidateFunction {
  compiled ??= new Ajv(CONFIG_AJV_OPTIONS).compile(configSchema);
  return compiled;
}
