import { build, formatMessages } from 'esbuild';
import type { BuildOptions, Message, Metafile } from 'esbuild';
import path from 'node:path';
import type { MergedConfig } from '../../src/shared/config/load';

/** Global the configuration module reads the baked configuration from (src/shared/config/index.ts). */
export const CONFIG_GLOBAL = '__REG_WORKERS_CONFIG__';
/** Constant `true` in bundles, so the branch that reads YAML files (and the YAML parser) is dropped. */
export const BAKED_FLAG = '__REG_WORKERS_CONFIG_BAKED__';

export interface BundleRequest {
  /** Repository root; paths in the bundle and its source map are relative to it. */
  root: string;
  /** Handler module, relative to `root` or absolute. */
  entry: string;
  /** Merged (uninterpolated) configuration baked in as `__REG_WORKERS_CONFIG__`. */
  config: MergedConfig;
  sourcemap?: boolean;
  /**
   * Where the bundle will live, for the source map's relative paths (nothing is written here).
   * Default: `<root>/index.js`, so the map names sources as `src/...` and `node_modules/...`
   * whatever the output directory.
   */
  outfile?: string;
}

export interface PackageShare {
  /** npm package name, or `(project)` for the repository's own code. */
  name: string;
  bytes: number;
}

export interface WorkerBundle {
  code: Buffer;
  /** Source map (only when asked for). */
  map?: Buffer;
  /** Bytes of the output by package, largest first. */
  packages: PackageShare[];
}

/** Thrown when esbuild reports errors; the message holds esbuild's formatted diagnostics. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/**
 * The esbuild options of a worker bundle: one CommonJS file for Node 22, minified, everything
 * bundled (the AWS SDK v3 too: the ZIP carries exactly what the handler imports), ESM entry
 * points of packages preferred so unused exports are tree-shaken, no legal comments.
 */
export function bundleOptions(request: BundleRequest): BuildOptions {
  return {
    absWorkingDir: request.root,
    entryPoints: [path.resolve(request.root, request.entry)],
    // Never written (write: false); a fixed virtual location keeps output independent of --out-dir.
    outfile: request.outfile ?? path.join(request.root, 'index.js'),
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    sourcemap: request.sourcemap ? 'external' : false,
    define: { [CONFIG_GLOBAL]: JSON.stringify(request.config), [BAKED_FLAG]: 'true' },
    metafile: true,
    logLevel: 'silent',
  };
}

const PACKAGE_OF = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;

function packageShares(metafile: Metafile): PackageShare[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      // The last node_modules segment names the package that owns the file.
      const matches = [...input.matchAll(new RegExp(PACKAGE_OF, 'g'))];
      const name = matches.length > 0 ? matches[matches.length - 1][1] : '(project)';
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()]
    .map(([name, b]) => ({ name, bytes: b }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
}

async function describe(messages: Message[], kind: 'error' | 'warning'): Promise<string> {
  return (await formatMessages(messages, { kind, color: false })).join('').trim();
}

/** Bundles one worker's handler with `config` baked in. */
export async function bundleWorker(request: BundleRequest): Promise<WorkerBundle> {
  let result;
  try {
    result = await build(bundleOptions(request));
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    throw new BundleError(errors?.length ? await describe(errors, 'error') : (error as Error).message);
  }
  const outputs = result.outputFiles ?? [];
  const js = outputs.find((f) => f.path.endsWith('.js'));
  const map = outputs.find((f) => f.path.endsWith('.js.map'));
  if (!js || !result.metafile) {
    throw new BundleError(`esbuild produced no JavaScript for ${request.entry}`);
  }
  return {
    code: Buffer.from(js.contents),
    ...(map ? { map: Buffer.from(map.contents) } : {}),
    packages: packageShares(result.metafile),
  };
}
