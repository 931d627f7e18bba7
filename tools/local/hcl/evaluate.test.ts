import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Scope } from './evaluate';
import { evaluate } from './evaluate';
import { HclSyntaxError, parseExpression, parseStringValue } from './syntax';
import type { Value } from './values';
import { force, lazyObject } from './values';

const dir = mkdtempSync(path.join(tmpdir(), 'hcl-'));

const scope = (names: Record<string, Value>): Scope => ({
  baseDir: dir,
  lookup: (name) => {
    if (!(name in names)) {
      throw new Error(`unknown name ${name}`);
    }
    return names[name];
  },
});

/** Evaluates a value the way hcl2json hands it over (a template string). */
const run = (text: string, names: Record<string, Value> = {}) => force(evaluate(parseStringValue(text), scope(names)));

describe('HCL expressions', () => {
  const vars = {
    var: { environment: 'qa1', names: ['a', 'b'], url: 'https://sqs.us-east-1.amazonaws.com/123456789012/vf-queue', empty: '' },
    local: lazyObject('local', ['prefix'], () => 'prd2011-qa1'),
  };

  it('keeps the type of a lone interpolation and renders mixed templates as text', () => {
    expect(run('${var.names}', vars)).toEqual(['a', 'b']);
    expect(run('${local.prefix}-${var.names[1]}-dlq', vars)).toBe('prd2011-qa1-b-dlq');
    expect(run('literal $${not.interpolated}', vars)).toBe('literal ${not.interpolated}');
  });

  it('evaluates for expressions, conditionals and operators as Terraform does', () => {
    expect(run('${{ for t in var.names : t => "${local.prefix}-${t}" }}', vars)).toEqual({ a: 'prd2011-qa1-a', b: 'prd2011-qa1-b' });
    expect(run('${[for i, t in var.names : "${i}:${t}" if t != "a"]}', vars)).toEqual(['1:b']);
    expect(run('${var.empty == "" ? "none" : "some"}', vars)).toBe('none');
    expect(run('${30 + 2 >= 32 && !false}', vars)).toBe(true);
  });

  it('runs the functions the stacks use', () => {
    expect(
      run(
        '${format("arn:%s:sqs:%s", "aws", join(":", regex("^https://sqs\\\\.([a-z0-9-]+)\\\\.amazonaws\\\\.com/([0-9]{12})/([A-Za-z0-9_-]+)$", var.url)))}',
        vars,
      ),
    ).toBe('arn:aws:sqs:us-east-1:123456789012:vf-queue');
    expect(run('${jsonencode({ data = { eventName = ["INSERT"], n = 1 } })}', vars)).toBe('{"data":{"eventName":["INSERT"],"n":1}}');
    expect(run('${merge({ a = 1 }, { b = 2 }, { a = 3 })}', vars)).toEqual({ a: 3, b: 2 });
    expect(run('${try(var.missing, "fallback")}', { var: {} })).toBe('fallback');
    expect(run('${can(regex("^x", "y"))}', vars)).toBe(false);
    expect(run('${compact(["a", "", "b"])}', vars)).toEqual(['a', 'b']);
  });

  it('reads files relative to the root module: yamldecode(file()) and templatefile()', () => {
    writeFileSync(path.join(dir, 'c.yml'), 'schedules:\n  every: rate(5 minutes)\n');
    writeFileSync(path.join(dir, 'sm.json'), '{"Resource": "${fn}"}');
    expect(run('${yamldecode(file("c.yml")).schedules.every}', vars)).toBe('rate(5 minutes)');
    expect(run('${templatefile("sm.json", { fn = "arn:aws:lambda:us-east-1:0:function:f" })}', vars)).toBe(
      '{"Resource": "arn:aws:lambda:us-east-1:0:function:f"}',
    );
  });

  it('fails loudly on what it does not understand', () => {
    expect(() => run('${lookup_secret("x")}', vars)).toThrow('function lookup_secret() is not supported');
    expect(() => parseExpression('var.a +')).toThrow(HclSyntaxError);
    expect(() => run('${var.nope}', vars)).toThrow('object has no attribute "nope"');
  });
});
