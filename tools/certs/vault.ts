/**
 * The parts of Vault's HTTP API the certificate tool uses: userpass and AppRole login, and
 * PKI issue (`POST /v1/<mount>/issue/<role>`).
 */
import { CliError } from '../build/toolCli';
import type { CertBundle } from './certBundle';

export type VaultAuth =
  { method: 'userpass'; username: string; password: string } | { method: 'approle'; roleId: string; secretId: string };

export interface IssueRequest {
  role: string;
  commonName: string;
  /** Vault duration, e.g. `8760h`. */
  ttl: string;
  /** PKI secrets engine mount (default `pki`). */
  mount?: string;
}

export interface IssuedBundle {
  bundle: CertBundle;
  serialNumber?: string;
  warnings: string[];
}

const TIMEOUT_MS = 15_000;

async function call(address: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const url = `${address.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-vault-token': token } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`cannot reach Vault at ${address}: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  if (!response.ok) {
    const errors = Array.isArray(parsed.errors) ? parsed.errors.join('; ') : text.slice(0, 200);
    // The request path never carries a secret (the userpass password is in the body).
    throw new CliError(
      `Vault ${path.replace(/^\/v1\//, '')} failed with HTTP ${response.status}: ${errors || response.statusText}`,
    );
  }
  return parsed;
}

/** Logs in and returns a client token. */
export async function login(address: string, auth: VaultAuth): Promise<string> {
  const out =
    auth.method === 'userpass'
      ? await call(address, `/v1/auth/userpass/login/${encodeURIComponent(auth.username)}`, { password: auth.password })
      : await call(address, '/v1/auth/approle/login', { role_id: auth.roleId, secret_id: auth.secretId });
  const token = (out.auth as { client_token?: unknown } | undefined)?.client_token;
  if (typeof token !== 'string' || token === '') {
    throw new CliError(`Vault ${auth.method} login returned no client token`);
  }
  return token;
}

/** Issues a certificate from the PKI role and returns it as the `kafka-cert` bundle. */
export async function issueCertificate(address: string, token: string, request: IssueRequest): Promise<IssuedBundle> {
  const mount = (request.mount ?? 'pki').replace(/^\/+|\/+$/g, '');
  const out = await call(
    address,
    `/v1/${mount}/issue/${encodeURIComponent(request.role)}`,
    { common_name: request.commonName, ttl: request.ttl, format: 'pem' },
    token,
  );
  const data = (out.data ?? {}) as Record<string, unknown>;
  if (typeof data.certificate !== 'string' || typeof data.private_key !== 'string') {
    throw new CliError('Vault PKI issue returned no certificate or private key');
  }
  const chain =
    Array.isArray(data.ca_chain) && data.ca_chain.length > 0
      ? data.ca_chain.map(String)
      : typeof data.issuing_ca === 'string'
        ? [data.issuing_ca]
        : [];
  const ca = chain
    .map((c) => c.trim())
    .filter(Boolean)
    .join('\n');
  return {
    bundle: {
      cert: `${data.certificate.trim()}\n`,
      key: `${data.private_key.trim()}\n`,
      ...(ca ? { ca: `${ca}\n` } : {}),
    },
    serialNumber: typeof data.serial_number === 'string' ? data.serial_number : undefined,
    warnings: Array.isArray(out.warnings) ? out.warnings.map(String) : [],
  };
}
