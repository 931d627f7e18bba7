/**
 * `npm run certs:check -- [--file FILE|-] [--var NAME] [--env ENV]`: reads a `kafka-cert`
 * bundle (or a PEM certificate) and prints its subject, validity and days left.
 */
import { CliError, parseCli, usageError } from '../build/toolCli';
import type { CertEnv } from './certBundle';
import {
  CERT_ENVS,
  CERT_VARIABLES,
  certificateStatus,
  formatDate,
  parseBundle,
  readFileOrStdin,
  readVariable,
} from './certBundle';

const TOOL = 'npm run certs:check --';

const HELP = `Print the validity of a Kafka client certificate bundle.

usage: npm run certs:check -- [--file FILE | --var NAME | --env ENV]
       <bundle> | npm run certs:check

  --file FILE   read the bundle from FILE (- for standard input)
  --var NAME    read it from environment variable NAME (e.g. nonprod_kafka_cert)
  --env ENV     read it from the CI/CD variable of qa, dev, preprod or prod
  -h, --help    show this help

The input is the kafka-cert JSON { cert, key, ca? } or a PEM certificate (with its key).
Without a flag the bundle is read from standard input. Exit status: 0 valid, 1 expired,
unreadable, or a key that does not belong to the certificate.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(
    argv,
    {
      file: { type: 'string' },
      var: { type: 'string' },
      env: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const chosen = [values.file, values.var, values.env].filter((v) => v !== undefined);
  if (chosen.length > 1) {
    throw usageError('give at most one of --file, --var and --env', TOOL);
  }
  let text: string;
  let source: string;
  if (values.env !== undefined) {
    if (!(CERT_ENVS as string[]).includes(values.env)) {
      throw usageError(`--env must be one of ${CERT_ENVS.join(', ')}`, TOOL);
    }
    source = CERT_VARIABLES[values.env as CertEnv];
    text = readVariable(source);
  } else if (values.var !== undefined) {
    source = values.var;
    text = readVariable(source);
  } else {
    const file = values.file ?? '-';
    if (file === '-' && process.stdin.isTTY) {
      throw usageError('no input: pass --file, --var or --env, or pipe the bundle in', TOOL);
    }
    source = file === '-' ? 'standard input' : file;
    text = readFileOrStdin(file);
  }
  const status = certificateStatus(parseBundle(text, source));
  console.log(`subject:     ${status.subject}`);
  console.log(`issuer:      ${status.issuer}`);
  console.log(`serial:      ${status.serialNumber}`);
  console.log(`valid from:  ${formatDate(status.validFrom)}`);
  console.log(`valid until: ${formatDate(status.validTo)}`);
  console.log(`days left:   ${status.daysLeft}${status.expired ? ' (EXPIRED)' : ''}`);
  if (status.keyMatches !== undefined) {
    console.log(`private key: ${status.keyMatches ? 'matches the certificate' : 'DOES NOT match the certificate'}`);
  }
  if (status.expired) {
    throw new CliError(`the certificate in ${source} expired on ${formatDate(status.validTo)}`);
  }
  if (status.keyMatches === false) {
    throw new CliError(`the private key in ${source} does not belong to its certificate`);
  }
  return 0;
}
