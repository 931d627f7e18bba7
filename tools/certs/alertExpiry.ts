/**
 * `npm run certs:alert-expiry -- --env qa|dev|preprod|prod [--file FILE] [--threshold DAYS]`:
 * the scheduled "alert cert expiration" job. Reads the environment's Kafka client certificate
 * (from its CI/CD variable, or a file), and posts to Slack when fewer than
 * `certs.alertThresholdDays` days are left. An expired or unreadable certificate also alerts
 * and exits non-zero, so the scheduled pipeline fails visibly too.
 */
import { ConfigError, loadConfig } from '../../src/shared/config/load';
import { CliError, CONFIG_DIR, parseCli, usageError } from '../build/toolCli';
import type { CertEnv, CertificateStatus } from './certBundle';
import {
  CERT_ENVS,
  CERT_VARIABLES,
  TF_ENVS_OF,
  certificateStatus,
  formatDate,
  parseBundle,
  readFileOrStdin,
  readVariable,
} from './certBundle';

const TOOL = 'npm run certs:alert-expiry --';

const HELP = `Alert on Slack when a Kafka client certificate is about to expire.

usage: npm run certs:alert-expiry -- --env ENV [--file FILE] [--threshold DAYS] [--dry-run]

  --env ENV          qa, dev, preprod or prod; the certificate is read from the CI/CD
                     variable of that environment: nonprod_kafka_cert (qa, dev),
                     preprod_kafka_cert, prod_kafka_cert
  --file FILE        read the bundle from FILE instead (- for standard input)
  --threshold DAYS   alert when fewer days are left (default: config certs.alertThresholdDays)
  --dry-run          print the Slack message instead of posting it
  -h, --help         show this help

The webhook is SLACK_WEBHOOK_URL (config certs.slackWebhookUrl). Exit status: 0 when the
certificate is valid (alerted or not), 1 when it is expired or unreadable (alert posted when
possible), or when the alert cannot be posted.`;

export interface Verdict {
  alert: boolean;
  failed: boolean;
  text: string;
}

/**
 * What to say about `status` (or about a read `error`) for the certificate of GitLab CI/CD
 * variable `variable`, read from `source` (a file) when that is not the variable itself.
 */
export function verdict(
  env: CertEnv,
  variable: string,
  threshold: number,
  status: CertificateStatus | undefined,
  error?: string,
  source: string = variable,
): Verdict {
  const readFrom = source === variable ? '' : `, checked from ${source}`;
  const where = `Kafka client certificate ${variable} (reg-workers ${TF_ENVS_OF[env].join(', ')}${readFrom})`;
  const rotate = `Rotate it: \`npm run certs:generate -- --env ${env}\`, update the GitLab CI/CD variable ${variable}, redeploy the dataPipeline stack.`;
  if (!status) {
    return { alert: true, failed: true, text: `:rotating_light: ${where} cannot be read: ${error}` };
  }
  if (status.expired) {
    const ago = -status.daysLeft;
    const when = ago === 0 ? 'less than a day ago' : `${ago} day${ago === 1 ? '' : 's'} ago`;
    return {
      alert: true,
      failed: true,
      text: `:rotating_light: ${where} EXPIRED on ${formatDate(status.validTo)} (${when}). ${rotate}`,
    };
  }
  if (status.daysLeft < threshold) {
    return {
      alert: true,
      failed: false,
      text: `:warning: ${where} expires in ${inDays(status.daysLeft)}, on ${formatDate(status.validTo)} (alert threshold ${threshold} days). ${rotate}`,
    };
  }
  return {
    alert: false,
    failed: false,
    text: `${where} is valid for ${status.daysLeft} more days, until ${formatDate(status.validTo)}; no alert (threshold ${threshold} days).`,
  };
}

const inDays = (days: number) => (days === 0 ? 'less than a day' : `${days} day${days === 1 ? '' : 's'}`);

async function postToSlack(webhookUrl: string, text: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`cannot post to the Slack webhook: ${cause ?? (error as Error).message}`);
  }
  if (!response.ok) {
    throw new CliError(`the Slack webhook answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(
    argv,
    {
      env: { type: 'string' },
      file: { type: 'string' },
      threshold: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.env || !(CERT_ENVS as string[]).includes(values.env)) {
    const problem = values.env ? `unknown environment "${values.env}"` : '--env is required';
    throw usageError(`${problem}: one of ${CERT_ENVS.join(', ')}`, TOOL);
  }
  const env = values.env as CertEnv;
  let config;
  try {
    config = loadConfig(env, { dir: CONFIG_DIR, environment: process.env });
  } catch (error) {
    throw error instanceof ConfigError ? new CliError(error.message) : error;
  }
  const threshold = values.threshold === undefined ? config.certs.alertThresholdDays : Number(values.threshold);
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw usageError(`--threshold must be a whole number of days, not "${values.threshold}"`, TOOL);
  }
  const variable = CERT_VARIABLES[env];
  const source = values.file === undefined ? variable : values.file === '-' ? 'standard input' : values.file;

  let status: CertificateStatus | undefined;
  let readError: string | undefined;
  try {
    const text = values.file === undefined ? readVariable(variable) : readFileOrStdin(values.file);
    status = certificateStatus(parseBundle(text, source));
  } catch (error) {
    if (!(error instanceof CliError)) {
      throw error;
    }
    readError = error.message;
  }
  const result = verdict(env, variable, threshold, status, readError, source);
  console.log(result.text);

  if (result.alert) {
    const webhook = process.env.SLACK_WEBHOOK_URL || config.certs.slackWebhookUrl;
    if (values['dry-run']) {
      console.log(`dry run: would post to Slack: ${JSON.stringify({ text: result.text })}`);
    } else if (!webhook) {
      throw new CliError('an alert is due but no Slack webhook is configured (set SLACK_WEBHOOK_URL)');
    } else {
      await postToSlack(webhook, result.text);
      console.log('alert posted to Slack');
    }
  }
  if (result.failed) {
    throw new CliError(status ? `the certificate in ${source} has expired` : `cannot check ${source}: ${readError}`);
  }
  return 0;
}
