/**
 * Guard against secrets in bundles: the configuration holds none by design (secrets come from
 * Secrets Manager or the environment at run time), and this scan makes the build fail when one
 * slips into a bundle anyway (a PEM block pasted into a YAML file, a hard-coded access key,
 * credentials inside a connection string).
 */

export interface SecretFinding {
  kind: string;
  /** The matched text with its middle masked, so the report does not repeat the secret. */
  excerpt: string;
}

const PATTERNS: { kind: string; pattern: RegExp }[] = [
  // A private key with its base64 body (libraries such as jose hold the bare marker as a
  // format string). Public keys and CA certificates may legitimately sit in configuration.
  { kind: 'PEM private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:\\[rn]|\s)+[A-Za-z0-9+/]{40,}/g },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  // `password=value` inside a string (connection string, query string); `x.password=y` is code.
  { kind: 'password in a string', pattern: /(?<=[?&;"'`\s])password=[^\s"'`&;$]{3,}/gi },
  // user:password@ in a URL (mongodb://user:pw@host, redis://:pw@host).
  {
    kind: 'credentials in URL',
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@"'`]*:[^\s/@"'`$<>{}]{3,}@[a-z0-9.-]+/gi,
  },
];

const mask = (text: string): string =>
  text.length <= 12 ? `${text.slice(0, 4)}…` : `${text.slice(0, 8)}…${text.slice(-2)}`;

/** Finds secret-looking text in `code`; an empty list means none. */
export function scanForSecrets(code: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { kind, pattern } of PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      findings.push({ kind, excerpt: mask(match[0]) });
    }
  }
  return findings;
}
