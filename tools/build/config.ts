import type { ConfigEnv, MergedConfig } from '../../src/shared/config/load';
import { ConfigError, interpolate, loadMergedConfig, validateConfig } from '../../src/shared/config/load';

/**
 * The merged configuration of `env` as it is baked into bundles: validated here, at build
 * time, with every `${env:NAME:-fallback}` resolved to its fallback (the build machine's
 * environment is not the Lambda's, so it is not consulted); returned uninterpolated, because
 * Lambda resolves the references at run time from the variables Terraform sets.
 */
export function configForBuild(env: ConfigEnv, configDir: string): MergedConfig {
  const merged = loadMergedConfig(env, configDir);
  let interpolated: unknown;
  try {
    interpolated = interpolate(merged.values, {});
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(
        `${error.message} at build time; give the reference a fallback (\${env:NAME:-value}) so the build can validate CONFIG_ENV=${env}`,
      );
    }
    throw error;
  }
  validateConfig(interpolated, merged);
  return merged;
}
