import type { ConfigEnv, MergedConfig } from '../../src/shared/config/load';
import { ConfigError, interpolate, isPlain, loadMergedConfig, validateConfig } from '../../src/shared/config/load';

/**
 * Keys a deployed environment cannot do without, whose value may come from the environment
 * Terraform gives the function. In a deployed environment's merged configuration each must be a
 * `${env:NAME}` reference (Terraform sets NAME, and its plan refuses an empty value) or a
 * non-empty literal: an empty literal would ship bundles that quietly refuse what needs the key.
 */
export const REQUIRED_WHEN_DEPLOYED: Readonly<Record<string, string>> = {
  'eligibility.idv.publicKey':
    'the IDV issuer public key: without it every fan of a campaign with an idv gate is refused. ' +
    'Use ${env:IDV_PUBLIC_KEY:-} (Terraform sets IDV_PUBLIC_KEY from the registration variable idv_public_key)',
};

const ENV_REFERENCE = /\$\{env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/;

/** Problems with REQUIRED_WHEN_DEPLOYED keys of a deployed environment (none for local runs). */
export function missingDeployedValues(merged: MergedConfig): string[] {
  if (merged.env === 'local') {
    return [];
  }
  const problems: string[] = [];
  for (const [key, what] of Object.entries(REQUIRED_WHEN_DEPLOYED)) {
    let value: unknown = merged.values;
    for (const step of key.split('.')) {
      value = isPlain(value) ? value[step] : undefined;
    }
    if (typeof value === 'string' && (ENV_REFERENCE.test(value) || value.trim() !== '')) {
      continue;
    }
    const from = merged.origins[key] ?? `${merged.env}.config.yml`;
    problems.push(`key "${key}" is empty for a deployed environment (from ${from}): ${what}`);
  }
  return problems;
}

/**
 * The merged configuration of `env` as it is baked into bundles: validated here, at build
 * time, with every `${env:NAME:-fallback}` resolved to its fallback (the build machine's
 * environment is not the Lambda's, so it is not consulted); returned uninterpolated, because
 * Lambda resolves the references at run time from the variables Terraform sets. A deployed
 * environment must also leave no REQUIRED_WHEN_DEPLOYED key empty.
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
  const missing = missingDeployedValues(merged);
  if (missing.length > 0) {
    throw new ConfigError(`Invalid configuration for CONFIG_ENV=${env}`, missing);
  }
  return merged;
}
