import Ajv, { _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import addFormats from 'ajv-formats';
import { build, formatMessages } from 'esbuild';
import type { BuildOptions, Message, Metafile, Plugin } from 'esbuild';
import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { MergedConfig } from '../../src/shared/config/load';
import { configSchema } from '../../src/shared/config/schema';
import { CONFIG_AJV_OPTIONS } from '../../src/shared/config/validator';
import { DATA_SCHEMAS, DATA_TYPES } from '../../src/shared/dataPipeline/schemas';
import { DATA_AJV_OPTIONS, DATA_FORMATS } from '../../src/shared/dataPipeline/validators';

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

/** A file of a worker's ZIP: its code and, when asked for, its source map. */
export interface BundleFile {
  name: string;
  code: Buffer;
  map?: Buffer;
}

export interface WorkerBundle {
  /** `index.js`: what Lambda loads in the init phase. */
  code: Buffer;
  /** Source map (only when asked for). */
  map?: Buffer;
  /** Bytes of the output by package, largest first. */
  packages: PackageShare[];
  /** Files the handler loads on first use, beside `index.js` (the MongoDB driver, `mongodb.js`). */
  lazyFiles: BundleFile[];
}

/** The file beside `index.js` that holds the MongoDB driver (src/shared/mongo/driver.ts). */
export const MONGODB_FILE = 'mongodb.js';

/**
 * The modules whose code the build replaces with validators ajv compiles at build time, and that
 * code: ajv's standalone output (CommonJS; it requires a few small ajv and ajv-formats runtime
 * helpers), exporting the module's one function, which returns what the source version compiles.
 */
const PRECOMPILED: { file: RegExp; code: () => string }[] = [
  {
    file: /[\\/]src[\\/]shared[\\/]config[\\/]validator\.ts$/,
    code: () => {
      const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS, code: { source: true } });
      const code = standaloneCode(ajv, ajv.compile(configSchema));
      return `${code}\nconst precompiled = module.exports;\nmodule.exports = { configValidator: () => precompiled };\n`;
    },
  },
  {
    file: /[\\/]src[\\/]shared[\\/]dataPipeline[\\/]validators\.ts$/,
    code: () => {
      const ajv = new Ajv({
        ...DATA_AJV_OPTIONS,
        code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
      });
      addFormats(ajv, [...DATA_FORMATS]);
      for (const type of DATA_TYPES) {
        ajv.addSchema(DATA_SCHEMAS[type], type);
      }
      const code = standaloneCode(ajv, Object.fromEntries(DATA_TYPES.map((t) => [t, t])));
      return `${code}\nconst precompiled = { ...module.exports };\nmodule.exports = { dataValidators: () => precompiled };\n`;
    },
  },
];

const precompiledCode = new Map<RegExp, string>();

/** What a bundle holds for `file`: its text, or for a module of PRECOMPILED, the validators compiled at build time. */
export function bundledSource(file: string): string {
  const module = PRECOMPILED.find((p) => p.file.test(file));
  if (!module) {
    return readFileSync(file, 'utf8');
  }
  let code = precompiledCode.get(module.file);
  if (code === undefined) {
    code = module.code();
    precompiledCode.set(module.file, code);
  }
  return code;
}

/**
 * Compiles the JSON schemas at build time: no worker loads ajv (about 120 KiB with fast-uri) or
 * compiles a schema in its cold start; compiling the configuration schema alone took about
 * 100 ms of every worker's first invocation.
 */
const precompiledValidators: Plugin = {
  name: 'precompiled-validators',
  setup(b) {
    for (const { file } of PRECOMPILED) {
      b.onLoad({ filter: file }, (args) => ({
        contents: bundledSource(args.path),
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
    }
  },
};

/**
 * Keeps the MongoDB driver out of a worker's `index.js`: `import('mongodb')` becomes
 * `require('./mongodb.js')`, run on first use. The driver is about 0.8 MB of code; parsed in the
 * init phase it made the five MongoDB workers' cold load 2x the others' (docs/benchmarks.md).
 */
const mongodbBeside: Plugin = {
  name: 'mongodb-beside',
  setup(b) {
    b.onResolve({ filter: /^mongodb$/ }, () => ({ path: `./${MONGODB_FILE}`, external: true }));
  },
};

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
    plugins: [mongodbBeside, precompiledValidators],
    // `import()` becomes a `require` the first time it runs: the driver file is CommonJS, whose
    // names Node's ESM loader cannot see through esbuild's `module.exports = …`.
    supported: { 'dynamic-import': false },
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

async function run(options: BuildOptions) {
  try {
    return await build(options);
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    throw new BundleError(errors?.length ? await describe(errors, 'error') : (error as Error).message);
  }
}

const drivers = new Map<string, Promise<BundleFile>>();

/**
 * `mongodb.js`: the MongoDB driver as one minified CommonJS file, the same for every worker and
 * configuration (built once per process). Left out: the AWS SDK credential providers, which the
 * driver loads only for `authMechanism=MONGODB-AWS` (about 300 KiB of SDK code duplicating the
 * worker's own). Our workers sign in with the user and password in the connection string
 * (the mongo-uri secret); a MONGODB-AWS connection string gets the driver's own
 * MongoMissingDependencyError naming `@aws-sdk/credential-providers`.
 */
export function mongodbFile(root: string, sourcemap = false): Promise<BundleFile> {
  const key = `${root}\0${sourcemap}`;
  let file = drivers.get(key);
  if (!file) {
    file = run({
      ...bundleOptions({ root, entry: MONGODB_FILE, config: {} as MergedConfig, sourcemap }),
      entryPoints: undefined,
      stdin: { contents: "module.exports = require('mongodb');", resolveDir: root, sourcefile: 'mongodb-driver.js' },
      outfile: path.join(root, MONGODB_FILE),
      define: {},
      external: ['@aws-sdk/credential-providers'],
      metafile: false,
      plugins: [],
    }).then((result) => {
      const outputs = result.outputFiles ?? [];
      const js = outputs.find((f) => f.path.endsWith('.js'));
      const map = outputs.find((f) => f.path.endsWith('.js.map'));
      return {
        name: MONGODB_FILE,
        code: Buffer.from(js!.contents),
        ...(map ? { map: Buffer.from(map.contents) } : {}),
      };
    });
    file.catch(() => drivers.delete(key));
    drivers.set(key, file);
  }
  return file;
}

/** The (name, data) entries of `files`: each file naming its map (`//# sourceMappingURL=`), then the map. */
export function fileEntries(files: readonly BundleFile[]): { name: string; data: Buffer }[] {
  return files.flatMap((f) =>
    f.map
      ? [
          { name: f.name, data: Buffer.concat([f.code, Buffer.from(`//# sourceMappingURL=${f.name}.map\n`)]) },
          { name: `${f.name}.map`, data: f.map },
        ]
      : [{ name: f.name, data: f.code }],
  );
}

/** Writes `entries` (fileEntries, zipEntries) into `dir`, as they lie beside each other in a ZIP. */
export function writeEntries(dir: string, entries: readonly { name: string; data: Buffer }[]): void {
  mkdirSync(dir, { recursive: true });
  for (const e of entries) {
    writeFileSync(path.join(dir, e.name), e.data);
  }
}

/**
 * The entries of a worker's ZIP, in order: `index.js` (Terraform's handler `index.handler`), then
 * the files it loads on first use (`mongodb.js`), each followed by its map when asked for.
 */
export const zipEntries = (bundle: Pick<WorkerBundle, 'code' | 'map' | 'lazyFiles'>) =>
  fileEntries([{ name: 'index.js', code: bundle.code, map: bundle.map }, ...bundle.lazyFiles]);

/** Whether the bundle `require`s the file beside it (`./<name>`). */
const loadsBeside = (metafile: Metafile, name: string): boolean =>
  Object.values(metafile.outputs).some((o) => o.imports.some((i) => i.external && i.path === `./${name}`));

/** Bundles one worker's handler with `config` baked in. */
export async function bundleWorker(request: BundleRequest): Promise<WorkerBundle> {
  const result = await run(bundleOptions(request));
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
    lazyFiles: loadsBeside(result.metafile, MONGODB_FILE) ? [await mongodbFile(request.root, request.sourcemap)] : [],
  };
}
