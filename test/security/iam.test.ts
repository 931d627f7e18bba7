/**
 * IAM least privilege, read from the Terraform: no wildcard action anywhere; no wildcard
 * resource where a name is known — the few statements that must use `*` are listed below with
 * the reason and may hold exactly their actions; every worker's statements point at named
 * resources; resource policies name their principals.
 */
import path from 'node:path';
import type { ModuleConfig } from '../../tools/local/hcl/modules';
import { loadModuleConfig } from '../../tools/local/hcl/modules';
import { parseStringValue } from '../../tools/local/hcl/syntax';
import { TERRAFORM_DIR, terraformDirs } from '../infra/hcl';
import { loadStacks } from '../infra/stacks';
import { STACKS, WORKERS } from '../../src/workers/registry';

interface Statement {
  /** terraform/-relative file, data source and sid. */
  where: string;
  file: string;
  sid: string;
  actions: string[];
  resources: unknown[];
  principals: { type?: string; identifiers?: unknown }[];
}

/**
 * Statements allowed to name `*` (or a sub-resource wildcard), each with the only actions it
 * may hold and why no narrower resource exists.
 */
const WILDCARD_RESOURCES: readonly { file: string; sid: string; resource: string; actions: string[]; why: string }[] = [
  {
    file: 'modules/nodejs-lambda/main.tf',
    sid: 'ManageVpcNetworkInterfaces',
    resource: '*',
    actions: [
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
    ],
    why: 'the EC2 network-interface actions a VPC function needs support no resource-level scoping (what AWSLambdaVPCAccessExecutionRole grants)',
  },
  {
    file: 'modules/nodejs-lambda/main.tf',
    sid: 'WriteOwnLogs',
    resource: '${aws_cloudwatch_log_group.this.arn}:*',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    why: 'the log streams of the function’s own log group, which are created at run time',
  },
  {
    file: 'modules/state-machine/main.tf',
    sid: 'DeliverExecutionLogs',
    resource: '*',
    actions: [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ],
    why: 'CloudWatch Logs vended-log delivery for Step Functions is configured through account-level actions without resource scoping',
  },
  {
    file: 'stacks/dataPipeline/kafka-cert.tf',
    sid: 'ReadKafkaCert',
    resource: '*',
    actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    why: 'a resource policy on the kafka-cert secret: `*` is that secret itself, and the principals are named (sendData and the CCPA roles)',
  },
];

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

type Body = Record<string, unknown>;

/** Statements of the aws_iam_policy_document data sources of one directory, dynamic ones included. */
function documentStatements(tf: ModuleConfig): Statement[] {
  const out: Statement[] = [];
  const rel = path.relative(TERRAFORM_DIR, tf.dir);
  const add = (block: { name: string; file: string }, body: Body) => {
    const sid = String(body.sid ?? '');
    out.push({
      where: `${rel}/${block.file} data.aws_iam_policy_document.${block.name} ${sid}`,
      file: path.join(rel, block.file),
      sid,
      actions: asList(body.actions as string[] | undefined),
      resources: asList(body.resources as unknown[] | undefined),
      principals: asList(body.principals as Statement['principals'] | undefined),
    });
  };
  for (const [name, located] of Object.entries(tf.data.aws_iam_policy_document ?? {})) {
    const block = { name, file: path.basename(located.file) };
    asList(located.body.statement as Body[] | undefined).forEach((s) => add(block, s));
    const dynamic = (located.body.dynamic as { statement?: { content?: Body[] }[] } | undefined)?.statement ?? [];
    asList(dynamic).forEach((d) => asList(d.content).forEach((s) => add(block, s)));
  }
  return out;
}

/** Every worker's `policy_statements`, with the stack that resolves its resources. */
async function workerStatements() {
  const out: { worker: string; sid: string; actions: string[]; resources: unknown; tokens: string[] }[] = [];
  const stacks = await loadStacks(STACKS);
  for (const name of STACKS) {
    const stack = stacks[name];
    for (const [worker, block] of Object.entries(stack.functions)) {
      for (const s of (block.body.policy_statements ?? []) as {
        sid: string;
        actions: string[];
        resources: unknown;
      }[]) {
        out.push({ worker, sid: s.sid, actions: s.actions, resources: s.resources, tokens: stack.tokens(s.resources) });
      }
    }
  }
  return out;
}

let statements: Statement[];
let workers: Awaited<ReturnType<typeof workerStatements>>;

beforeAll(async () => {
  const dirs = await Promise.all(terraformDirs().map((dir) => loadModuleConfig(dir)));
  statements = dirs.flatMap(documentStatements);
  workers = await workerStatements();
});

/** An action with a wildcard (`*`, `sqs:*`, `s3:Get*`) or a resource that is or ends in one. */
const hasWildcard = (value: string) => value.includes('*');

describe('IAM least privilege', () => {
  it('reads the policies of every module and stack, and every worker’s statements', () => {
    expect(statements.length).toBeGreaterThan(10);
    expect([...new Set(workers.map((w) => w.worker))].sort()).toEqual(WORKERS.map((w) => w.name).sort());
  });

  it('grants no wildcard action anywhere', () => {
    const wild = [
      ...statements.flatMap((s) => s.actions.filter(hasWildcard).map((a) => `${s.where}: ${a}`)),
      ...workers.flatMap((w) => w.actions.filter(hasWildcard).map((a) => `${w.worker} ${w.sid}: ${a}`)),
    ];
    expect(wild).toEqual([]);
  });

  it('names a wildcard resource only in the listed statements, which hold exactly their listed actions', () => {
    const wild = statements.flatMap((s) =>
      s.resources
        .filter((r): r is string => typeof r === 'string' && hasWildcard(r))
        .map((resource) => ({ file: s.file, sid: s.sid, resource, actions: [...s.actions].sort() })),
    );
    expect(wild).toEqual(
      expect.arrayContaining(
        WILDCARD_RESOURCES.map(({ file, sid, resource, actions }) => ({ file, sid, resource, actions })),
      ),
    );
    expect(wild).toHaveLength(WILDCARD_RESOURCES.length);
  });

  it('gives every worker statement named resources only', () => {
    for (const w of workers) {
      const literal = asList(w.resources as unknown[]).filter(
        (r) => typeof r === 'string' && parseStringValue(r).kind === 'literal',
      );
      expect({ worker: w.worker, sid: w.sid, literal, resolved: w.tokens.length > 0 }).toEqual({
        worker: w.worker,
        sid: w.sid,
        literal: [],
        resolved: true,
      });
    }
  });

  it('names the principals of every resource policy and trust policy (no "*" principal)', () => {
    const open = statements.flatMap((s) =>
      s.principals.flatMap((p) =>
        asList(p.identifiers as unknown[])
          .filter((id) => typeof id === 'string' && id.includes('*'))
          .map((id) => `${s.where}: ${String(id)}`),
      ),
    );
    expect(open).toEqual([]);
  });
});
