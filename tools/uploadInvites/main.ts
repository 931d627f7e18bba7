/**
 * `npm run uploadInvites -- <campaignId> <email|globalUserId|memberId> [csv] [ttl]`: writes a
 * campaign's invite list to the demand table (keys from src/shared/aws/keys.ts, BatchWrite with
 * retry of unprocessed items through the demand-table repository).
 */
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDemandTable } from '../../src/shared/aws/demandTable';
import type { Item } from '../../src/shared/aws/demandTable';
import { INVITE_TYPES } from '../../src/shared/aws/keys';
import type { InviteType } from '../../src/shared/aws/keys';
import { CONFIG_ENVS, ConfigError, loadConfig } from '../../src/shared/config/load';
import { CliError, CONFIG_DIR, ROOT, parseCli, usageError } from '../build/toolCli';
import { readFileOrStdin } from '../certs/certBundle';
import { readInviteList, resolveTtl } from './invites';

const TOOL = 'npm run uploadInvites --';
export const DEFAULT_CSV = 'tools/uploadInvites/invites.csv';
/** Items handed to one batchPut call; several run at once. */
const SLICE = 250;
const PARALLEL_SLICES = 4;

const HELP = `Upload a campaign's invite list (CSV) to the demand table.

usage: npm run uploadInvites -- <campaignId> <email|globalUserId|memberId> [csv] [ttl] [options]

  campaignId      the campaign the invites belong to
  type            identifier type, and the name of the CSV column holding it
  csv             CSV file with a header row (default: ${DEFAULT_CSV}; - for standard input)
  ttl             expiry: epoch seconds, or Nd for N days from now
                  (default: now + config invites.defaultTtlDays)
  --env ENV       configuration environment for the table name and default TTL
                  (default: $CONFIG_ENV, else local)
  --table NAME    demand table name (default: config aws.demandTable)
  --endpoint URL  DynamoDB endpoint (default: $DYNAMODB_ENDPOINT, else the SDK's own resolution,
                  which honours AWS_ENDPOINT_URL_DYNAMODB)
  --dry-run       check the file and print the counts without writing
  -h, --help      show this help

Items: PK i:<campaignId>, SK invite#<type>#<value> (emails trimmed and lower-cased),
type "invite", ttl. Uploading the same list again overwrites the items (new ttl). Rows that are
empty, malformed or duplicates are reported with their line number and skipped. Exit status 1
when items stay unprocessed after retries.`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    argv,
    {
      env: { type: 'string' },
      table: { type: 'string' },
      endpoint: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [campaignId, type, csvArg, ttlArg, ...extra] = positionals;
  if (!campaignId || !type) {
    throw usageError('give the campaign id and the identifier type', TOOL);
  }
  if (extra.length > 0) {
    throw usageError(`unexpected arguments: ${extra.join(' ')}`, TOOL);
  }
  if (!(INVITE_TYPES as readonly string[]).includes(type)) {
    throw usageError(`type must be one of ${INVITE_TYPES.join(', ')}, not "${type}"`, TOOL);
  }
  const env = values.env ?? process.env.CONFIG_ENV ?? 'local';
  if (!(CONFIG_ENVS as readonly string[]).includes(env)) {
    throw usageError(`unknown environment "${env}"; expected one of ${CONFIG_ENVS.join(', ')}`, TOOL);
  }
  let config;
  try {
    config = loadConfig(env, { dir: CONFIG_DIR, environment: process.env });
  } catch (error) {
    throw error instanceof ConfigError ? new CliError(error.message) : error;
  }
  const csv = csvArg ?? path.join(ROOT, DEFAULT_CSV);
  let ttl: number;
  let list;
  try {
    ttl = resolveTtl(ttlArg, config.invites.defaultTtlDays);
    list = readInviteList(readFileOrStdin(csv), campaignId, type as InviteType, ttl);
  } catch (error) {
    throw error instanceof CliError ? error : new CliError((error as Error).message);
  }
  const source = csv === '-' ? 'standard input' : path.relative(process.cwd(), path.resolve(csv));
  console.log(
    `${source}: ${list.rows} row(s), column "${list.column}"; ${list.items.length} invite(s), ${list.bad.length} bad row(s) skipped`,
  );
  for (const bad of list.bad) {
    console.log(`  line ${bad.line}: ${bad.reason}`);
  }
  const tableName = values.table ?? config.aws.demandTable;
  const endpoint = values.endpoint ?? process.env.DYNAMODB_ENDPOINT;
  console.log(
    `campaign ${campaignId}, ttl ${ttl} (${new Date(ttl * 1000).toISOString()}), table ${tableName}${endpoint ? ` at ${endpoint}` : ''}`,
  );
  if (values['dry-run']) {
    console.log('dry run: nothing written');
    return 0;
  }
  if (list.items.length === 0) {
    console.log('written: 0');
    return 0;
  }

  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: process.env.AWS_REGION ?? config.aws.region, ...(endpoint ? { endpoint } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const table = createDemandTable(client, tableName);
  const slices: Item[][] = [];
  for (let i = 0; i < list.items.length; i += SLICE) {
    slices.push(list.items.slice(i, i + SLICE) as unknown as Item[]);
  }
  let written = 0;
  const unprocessed: Item[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_SLICES, slices.length) }, async () => {
        while (next < slices.length) {
          const result = await table.batchPut(slices[next++]);
          written += result.written;
          unprocessed.push(...result.unprocessed);
          if (list.items.length > 1000) {
            console.log(`  ${written}/${list.items.length} written`);
          }
        }
      }),
    );
  } catch (error) {
    throw new CliError(`writing to ${tableName} failed after ${written} item(s): ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
  console.log(`written: ${written}, skipped: ${list.bad.length}, unprocessed: ${unprocessed.length}`);
  if (unprocessed.length > 0) {
    console.error(
      `unprocessed after retries: ${unprocessed
        .map((i) => i.SK)
        .slice(0, 20)
        .join(', ')}${unprocessed.length > 20 ? ', …' : ''}`,
    );
    return 1;
  }
  return 0;
}
