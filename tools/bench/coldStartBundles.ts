/**
 * The three bundles the cold-start bench (bench/coldStart.bench.ts) compares, built with the build's
 * own esbuild options (tools/build/bundle.ts) and one configuration:
 * - a worker's own bundle, as `npm run build` ships it (index.js, plus mongodb.js beside it for
 *   the MongoDB workers);
 * - the original's layout: one bundle holding every worker of the registry, the handler chosen
 *   at run time by `APP_NAME`, with every package inside it;
 * - a worker's floor: only the package bindings its own source files import (the SDK clients,
 *   drivers and libraries, the same names, statically or on first use as the worker does), with
 *   an empty handler. What a worker loads beyond its floor is our own code and its choices.
 */
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import type { MergedConfig } from '../../src/shared/config/load';
import {
  BundleError,
  MONGODB_FILE,
  bundleOptions,
  bundleWorker,
  bundledSource,
  writeEntries,
  zipEntries,
} from '../build/bundle';

export interface BuiltBundle {
  /** The file Lambda would load (`index.js`) in its own directory. */
  file: string;
  bytes: number;
}

/** Where the value bindings of one package are imported: statically (`names`) or on first use. */
export interface PackageUse {
  names: Set<string>;
  dynamic: boolean;
}

const isPackage = (specifier: string) =>
  !specifier.startsWith('.') &&
  !path.isAbsolute(specifier) &&
  !specifier.startsWith('node:') &&
  !builtinModules.includes(specifier);

/**
 * The value imports of packages in `files` (type-only imports left out): '*' for a namespace,
 * 'default', or a name. `read` gives a file's text as the bundle holds it (bundledSource: a
 * validator module is ajv's precompiled code there, which imports no ajv).
 */
export function packageImports(
  files: readonly string[],
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): Map<string, PackageUse> {
  const uses = new Map<string, PackageUse>();
  const use = (specifier: string) => {
    let u = uses.get(specifier);
    if (!u) {
      u = { names: new Set(), dynamic: false };
      uses.set(specifier, u);
    }
    return u;
  };
  for (const file of files) {
    const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (
        ts.isImportDeclaration(node) &&
        ts.isStringLiteral(node.moduleSpecifier) &&
        isPackage(node.moduleSpecifier.text)
      ) {
        const clause = node.importClause;
        const u = !clause || !clause.isTypeOnly ? use(node.moduleSpecifier.text) : undefined;
        if (u && clause?.name) {
          u.names.add('default');
        }
        const bindings = clause?.isTypeOnly ? undefined : clause?.namedBindings;
        if (u && bindings && ts.isNamespaceImport(bindings)) {
          u.names.add('*');
        } else if (u && bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements.filter((e) => !e.isTypeOnly)) {
            u.names.add((element.propertyName ?? element.name).text);
          }
        }
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments.length === 1 &&
        ts.isStringLiteral(node.arguments[0]) &&
        isPackage(node.arguments[0].text)
      ) {
        use(node.arguments[0].text).dynamic = true;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  // A package imported only for types leaves an entry with nothing to load.
  for (const [specifier, u] of uses) {
    if (u.names.size === 0 && !u.dynamic) {
      uses.delete(specifier);
    }
  }
  return uses;
}

/**
 * The imports of `uses` that are still in a bundle: a named binding whose name (or esbuild's
 * renamed `name2`) its unminified `code` still holds, a namespace or default import of a package
 * with a file among the bundle's `inputs`, and every import on first use.
 */
export function survivingImports(
  uses: Map<string, PackageUse>,
  code: string,
  inputs: readonly string[],
): Map<string, PackageUse> {
  const kept = new Map<string, PackageUse>();
  for (const [specifier, u] of uses) {
    const bundled = inputs.some((i) => i.includes(`node_modules/${specifier}/`));
    const names = [...u.names].filter((n) =>
      n === '*' || n === 'default' ? bundled : bundled && new RegExp(`\\b${n}\\d*\\b`).test(code),
    );
    if (names.length > 0 || u.dynamic) {
      kept.set(specifier, { names: new Set(names), dynamic: u.dynamic });
    }
  }
  return kept;
}

/** The floor's entry: every binding of `uses` kept alive, the dynamic ones behind `import()`, and an empty handler. */
export function floorSource(uses: Map<string, PackageUse>): string {
  const lines: string[] = [];
  const kept: string[] = [];
  const lazy: string[] = [];
  [...uses.entries()].forEach(([specifier, u], i) => {
    const from = JSON.stringify(specifier);
    if (u.dynamic) {
      lazy.push(`() => import(${from})`);
    }
    if (u.names.has('*')) {
      lines.push(`import * as p${i} from ${from};`);
      kept.push(`p${i}`);
    }
    if (u.names.has('default')) {
      lines.push(`import p${i}d from ${from};`);
      kept.push(`p${i}d`);
    }
    const named = [...u.names].filter((n) => n !== '*' && n !== 'default');
    if (named.length > 0) {
      lines.push(`import { ${named.map((n, j) => `${n} as p${i}_${j}`).join(', ')} } from ${from};`);
      kept.push(...named.map((_, j) => `p${i}_${j}`));
    }
  });
  return [
    ...lines,
    `export const kept: unknown[] = [${kept.join(', ')}];`,
    `export const lazy = [${lazy.join(', ')}];`,
    'export const handler = async (): Promise<unknown> => ({});',
    '',
  ].join('\n');
}

/**
 * The original's layout: one module exporting the handler of the worker `APP_NAME` names, with
 * the packages of `atInit` imported at its top level, as the original imported them (the MongoDB
 * driver: the original's workers imported it statically; ours load it on first use).
 */
export function allInOneSource(
  root: string,
  workers: readonly { name: string; entry: string }[],
  atInit: readonly string[] = [],
): string {
  const imports = [
    ...workers.map(
      (w, i) => `import { handler as h${i} } from ${JSON.stringify(path.resolve(root, w.entry).replace(/\.ts$/, ''))};`,
    ),
    ...atInit.map((p, i) => `import * as init${i} from ${JSON.stringify(p)};`),
    `export const loadedAtInit: unknown[] = [${atInit.map((_, i) => `init${i}`).join(', ')}];`,
  ];
  return [
    ...imports,
    'type Handler = (event: unknown, context: unknown) => unknown;',
    `const handlers: Record<string, Handler> = { ${workers.map((w, i) => `${w.name}: h${i} as Handler`).join(', ')} };`,
    'export const handler: Handler = (event, context) => {',
    "  const chosen = handlers[process.env.APP_NAME ?? ''];",
    '  if (!chosen) {',
    "    throw new Error(`APP_NAME ${process.env.APP_NAME ?? '(unset)'} names no worker of this bundle`);",
    '  }',
    '  return chosen(event, context);',
    '};',
    '',
  ].join('\n');
}

function write(dir: string, files: { name: string; data: Buffer }[]): BuiltBundle {
  writeEntries(dir, files);
  return { file: path.join(dir, 'index.js'), bytes: files[0].data.length };
}

/** Builds the bench's bundles from `entries` (TypeScript written under the repository, so packages resolve). */
export class ColdStartBundles {
  constructor(private readonly options: { root: string; config: MergedConfig; entriesDir: string; outDir: string }) {
    mkdirSync(options.entriesDir, { recursive: true });
  }

  /**
   * The worker's own bundle, with the files it loads on first use beside it, and its floor: the
   * package bindings its source files import that are still in its bundle after tree shaking
   * (a shared module may import clients this worker never reaches), with an empty handler.
   */
  async worker(
    name: string,
    entry: string,
  ): Promise<{ bundle: BuiltBundle; floor: BuiltBundle; loadsMongoDb: boolean }> {
    const { root, config, outDir, entriesDir } = this.options;
    const bundle = await bundleWorker({ root, entry, config });
    // Unminified, so the bindings that survived keep their names.
    const readable = await build({ ...bundleOptions({ root, entry, config }), minify: false });
    const inputs = (readable.metafile as Metafile).inputs;
    const sources = Object.keys(inputs)
      .filter((input) => !input.includes('node_modules/') && input.endsWith('.ts'))
      .map((input) => path.resolve(root, input));
    const code = readable.outputFiles?.find((f) => f.path.endsWith('.js'))?.text ?? '';
    const floorEntry = path.join(entriesDir, `floor-${name}.ts`);
    writeFileSync(
      floorEntry,
      floorSource(survivingImports(packageImports(sources, bundledSource), code, Object.keys(inputs))),
    );
    const floor = await bundleWorker({ root, entry: floorEntry, config });
    return {
      bundle: write(path.join(outDir, 'worker', name), zipEntries(bundle)),
      floor: write(path.join(outDir, 'floor', name), zipEntries(floor)),
      loadsMongoDb: bundle.lazyFiles.some((f) => f.name === MONGODB_FILE),
    };
  }

  /** One bundle of `workers`, every package inside it (no file beside it) and run at init, as the original shipped. */
  async allInOne(workers: readonly { name: string; entry: string }[]): Promise<BuiltBundle> {
    const { root, config, entriesDir, outDir } = this.options;
    const entry = path.join(entriesDir, 'all-in-one.ts');
    writeFileSync(entry, allInOneSource(root, workers, ['mongodb']));
    const result = await build({ ...bundleOptions({ root, entry, config }), plugins: [] });
    const js = result.outputFiles?.find((f) => f.path.endsWith('.js'));
    if (!js) {
      throw new BundleError('esbuild produced no all-in-one bundle');
    }
    return write(path.join(outDir, 'all-in-one'), [{ name: 'index.js', data: Buffer.from(js.contents) }]);
  }
}
