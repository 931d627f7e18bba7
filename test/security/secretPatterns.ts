/**
 * What a secret looks like, for the scanners in test/security: private keys, cloud and
 * service credentials, tokens. Each pattern is written to match a real value, not the bare
 * words (so code that checks for "PRIVATE KEY" or reads `password` from a config is not a hit).
 */

export interface SecretPattern {
  kind: string;
  pattern: RegExp;
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // The marker followed by a base64 body: PEM text, also escaped inside JSON or source strings.
  { kind: 'PEM private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:\\+[rn]|\s)+[A-Za-z0-9+/=]{40,}/g },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'AWS secret access key', pattern: /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}\b/gi },
  // header.payload.signature, header and payload being base64url JSON objects ("eyJ" = '{"').
  { kind: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g },
  // A password given in a connection or query string (after ?, &, ;, a quote or a space); not a
  // placeholder (${...}, <...>) and not code such as `x.password=y`.
  { kind: 'password in a string', pattern: /(?<=[?&;"'`\s])password=(?![$<{])[^\s"'`&;$,)]{3,}/gi },
  {
    kind: 'credentials in a URL',
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@"'`]+:[^\s/@"'`$<>{}]{3,}@[a-z0-9.-]+/gi,
  },
  {
    kind: 'Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/g,
  },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}/g },
  // Vault service/batch/recovery tokens (hvs., hvb., hvr.) and the legacy s./b. form, whose 24
  // random characters hold a digit and both cases (minified code such as `s.serverSelectionTimeoutMS` does not).
  {
    kind: 'Vault token',
    pattern:
      /\b(?:hv[sbr]\.[A-Za-z0-9_-]{24,}|[sb]\.(?=[A-Za-z0-9]{0,23}\d)(?=[A-Za-z0-9]{0,23}[A-Z])(?=[A-Za-z0-9]{0,23}[a-z])[A-Za-z0-9]{24})\b/g,
  },
  { kind: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g },
];

export interface SecretFinding {
  kind: string;
  /** Line number (1-based) in the text scanned. */
  line: number;
  /** The match with its middle masked, so a report never repeats a secret. */
  excerpt: string;
}

const mask = (text: string): string =>
  text.length <= 12 ? `${text.slice(0, 4)}…` : `${text.slice(0, 8)}…${text.slice(-3)}`;

/** Every secret-looking string in `text`. */
export function findSecrets(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { kind, pattern } of SECRET_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      findings.push({ kind, line, excerpt: mask(match[0]) });
    }
  }
  return findings;
}
