import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundledSource } from '../build/bundle';
import { allInOneSource, floorSource, packageImports } from './coldStartBundles';

const dir = mkdtempSync(path.join(tmpdir(), 'cold-start-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('packageImports', () => {
  it('collects the value bindings of packages, statically or on first use, and leaves out types, builtins and project files', () => {
    const uses = packageImports([
      file(
        'a.ts',
        [
          "import type { Db } from 'mongodb';",
          "import { DynamoDBClient, type GetItemInput } from '@aws-sdk/client-dynamodb';",
          "import Redis from 'ioredis';",
          "import * as otel from '@opentelemetry/api';",
          "import { readFileSync } from 'node:fs';",
          "import path from 'path';",
          "import { helper } from './helper';",
          "export const load = () => import('mongodb');",
        ].join('\n'),
      ),
      file(
        'b.ts',
        "import { GetItemCommand } from '@aws-sdk/client-dynamodb';\nimport type { Redis as R } from 'ioredis';\n",
      ),
    ]);
    expect(
      Object.fromEntries([...uses].map(([k, u]) => [k, { names: [...u.names].sort(), dynamic: u.dynamic }])),
    ).toEqual({
      mongodb: { names: [], dynamic: true },
      '@aws-sdk/client-dynamodb': { names: ['DynamoDBClient', 'GetItemCommand'], dynamic: false },
      ioredis: { names: ['default'], dynamic: false },
      '@opentelemetry/api': { names: ['*'], dynamic: false },
    });
  });

  it('reads a file as the bundle holds it: the precompiled configuration validator imports no ajv', () => {
    const validator = path.join(__dirname, '..', '..', 'src', 'shared', 'config', 'validator.ts');
    expect([...packageImports([validator]).keys()]).toEqual(['ajv']);
    expect([...packageImports([validator], bundledSource).keys()]).toEqual([]);
  });
});

describe('floorSource', () => {
  it('imports the same bindings under unique names, keeps them alive, and loads the dynamic ones behind import()', () => {
    const source = floorSource(
      new Map([
        ['@aws-sdk/client-dynamodb', { names: new Set(['DynamoDBClient', 'GetItemCommand']), dynamic: false }],
        ['ioredis', { names: new Set(['default']), dynamic: false }],
        ['mongodb', { names: new Set<string>(), dynamic: true }],
      ]),
    );
    expect(source).toContain(
      'import { DynamoDBClient as p0_0, GetItemCommand as p0_1 } from "@aws-sdk/client-dynamodb";',
    );
    expect(source).toContain('import p1d from "ioredis";');
    expect(source).toContain('export const kept: unknown[] = [p0_0, p0_1, p1d];');
    expect(source).toContain('export const lazy = [() => import("mongodb")];');
    expect(source).toContain('export const handler = async (): Promise<unknown> => ({});');
  });
});

describe('allInOneSource', () => {
  it('imports the packages the original loaded at init at its top level', () => {
    expect(allInOneSource(dir, [], ['mongodb'])).toContain(
      'import * as init0 from "mongodb";\nexport const loadedAtInit: unknown[] = [init0];',
    );
  });

  it('exports one handler that dispatches on APP_NAME and refuses a name it does not hold', async () => {
    const a = file('a.ts', "export const handler = async (e: unknown) => ['a', e];\n");
    const b = file('b.ts', "export const handler = async (e: unknown) => ['b', e];\n");
    const entry = file(
      'all.ts',
      allInOneSource(dir, [
        { name: 'first', entry: a },
        { name: 'second', entry: b },
      ]),
    );
    const { handler } = (await import(entry)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
    process.env.APP_NAME = 'second';
    await expect(handler(1, {})).resolves.toEqual(['b', 1]);
    process.env.APP_NAME = 'third';
    expect(() => handler(1, {})).toThrow('APP_NAME third names no worker of this bundle');
    delete process.env.APP_NAME;
  });
});
