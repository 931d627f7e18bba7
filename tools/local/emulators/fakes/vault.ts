import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { FakeControls, FakeRequest, FakeResponse } from './server';
import { FakeHttpError, createFakeServer, extendFake, isObject } from './server';
import { buildCertificate } from '../../../certs/x509';

export interface VaultFakeOptions {
  /** userpass users: name → password. */
  users?: Record<string, string>;
  /** AppRoles: role_id → secret_id. */
  appRoles?: Record<string, string>;
  /** PKI roles that may issue certificates. */
  pkiRoles?: string[];
  /** TTL when the request names none (Vault duration). */
  defaultTtl?: string;
  /** Longest TTL a role issues; longer requests are cut to it, with a warning, as Vault does. */
  maxTtl?: string;
}

export interface IssuedCertificate {
  role: string;
  commonName: string;
  serialNumber: string;
  expiration: number;
}

export interface VaultFake extends FakeControls {
  /** PEM of the fake's issuing CA (for chain checks). */
  readonly caCertificate: string;
  readonly issued: IssuedCertificate[];
  addUser(name: string, password: string): void;
  addAppRole(roleId: string, secretId: string): void;
}

/** Seconds in a Vault duration: a number of seconds, or units like `720h`, `1h30m`, `-24h`. */
export function parseVaultDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return Math.trunc(value);
  }
  const text = String(value).trim();
  if (/^-?\d+$/.test(text)) {
    return Number(text);
  }
  const match = /^(-?)((?:\d+(?:\.\d+)?[smhd])+)$/.exec(text);
  if (!match) {
    throw new FakeHttpError(400, 'invalidTtl', `invalid duration "${text}"`);
  }
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  let seconds = 0;
  for (const [, amount, u] of match[2].matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) {
    seconds += Number(amount) * unit[u];
  }
  return Math.round(match[1] ? -seconds : seconds);
}

// Vault's error shape is `{ errors: [message] }`, not the Koa envelope.
const vaultError = (status: number, _code: string, message: string): FakeResponse => ({
  status,
  body: { errors: [message] },
});

/**
 * A fake of the Vault HTTP API parts the cert tool uses: userpass and AppRole login, and PKI
 * issue. Certificates are real X.509 (RSA 2048), signed by a CA the fake creates at start-up,
 * valid from a minute before issue for the requested TTL; a negative TTL gives one that has
 * already expired.
 */
export function createVaultFake(options: VaultFakeOptions = {}): VaultFake {
  const users = new Map(Object.entries(options.users ?? { techops: 'techops-password' }));
  const appRoles = new Map(Object.entries(options.appRoles ?? { 'fake-role-id': 'fake-secret-id' }));
  const pkiRoles = new Set(options.pkiRoles ?? ['kafka-client']);
  const tokens = new Map<string, string>();
  const issued: IssuedCertificate[] = [];
  const maxTtl = parseVaultDuration(options.maxTtl ?? '8760h');
  const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const caName = 'reg-workers fake Vault CA';
  const caCertificate = buildCertificate({
    commonName: caName,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore: new Date(Date.now() - 86400_000),
    notAfter: new Date(Date.now() + 10 * 365 * 86400_000),
    isCa: true,
  }).pem;

  const login = (identity: string, policies: string[]) => {
    const token = `hvs.${randomUUID().replace(/-/g, '')}`;
    tokens.set(token, identity);
    return {
      status: 200,
      body: {
        request_id: randomUUID(),
        auth: {
          client_token: token,
          accessor: randomUUID(),
          policies,
          token_policies: policies,
          lease_duration: 3600,
          renewable: true,
          metadata: { identity },
        },
      },
    };
  };

  const userpassLogin = (req: FakeRequest) => {
    const password = isObject(req.body) ? req.body.password : undefined;
    if (typeof password !== 'string' || users.get(req.params.user) !== password) {
      return vaultError(400, 'invalidCredentials', 'invalid username or password');
    }
    return login(`userpass:${req.params.user}`, ['default', 'pki-issue']);
  };

  const appRoleLogin = (req: FakeRequest) => {
    const b = isObject(req.body) ? req.body : {};
    if (typeof b.role_id !== 'string' || typeof b.secret_id !== 'string' || appRoles.get(b.role_id) !== b.secret_id) {
      return vaultError(400, 'invalidCredentials', 'invalid role or secret ID');
    }
    return login(`approle:${b.role_id}`, ['default', 'pki-issue']);
  };

  const issue = (req: FakeRequest) => {
    const token = req.headers['x-vault-token'];
    if (typeof token !== 'string' || !tokens.has(token)) {
      return vaultError(403, 'permissionDenied', 'permission denied');
    }
    const { role } = req.params;
    if (!pkiRoles.has(role)) {
      return vaultError(400, 'unknownRole', `unknown role: ${role}`);
    }
    const b = isObject(req.body) ? req.body : {};
    if (typeof b.common_name !== 'string' || b.common_name === '') {
      return vaultError(
        400,
        'missingCommonName',
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      );
    }
    const warnings: string[] = [];
    let ttl = parseVaultDuration(b.ttl ?? options.defaultTtl ?? '720h');
    if (ttl > maxTtl) {
      warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${maxTtl}s"; TTL value is capped accordingly`);
      ttl = maxTtl;
    }
    const now = Date.now();
    const notAfter = new Date(now + ttl * 1000);
    const notBefore = new Date(Math.min(now - 60_000, notAfter.getTime() - 3600_000));
    const altNames = [b.common_name, ...String(b.alt_names ?? '').split(','), ...String(b.ip_sans ?? '').split(',')]
      .map((s) => s.trim())
      .filter(Boolean);
    const leaf: { publicKey: KeyObject; privateKey: KeyObject } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = buildCertificate({
      commonName: b.common_name,
      publicKey: leaf.publicKey,
      signingKey: ca.privateKey,
      issuerCommonName: caName,
      notBefore,
      notAfter,
      altNames,
    });
    const expiration = Math.floor(notAfter.getTime() / 1000);
    issued.push({ role, commonName: b.common_name, serialNumber: cert.serialNumber, expiration });
    return {
      status: 200,
      body: {
        request_id: randomUUID(),
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: {
          certificate: cert.pem.trim(),
          issuing_ca: caCertificate.trim(),
          ca_chain: [caCertificate.trim()],
          private_key: String(leaf.privateKey.export({ type: 'pkcs1', format: 'pem' })).trim(),
          private_key_type: 'rsa',
          serial_number: cert.serialNumber,
          expiration,
        },
        warnings: warnings.length > 0 ? warnings : null,
      },
    };
  };

  const server = createFakeServer({
    name: 'vault',
    auth: 'none',
    errorBody: vaultError,
    routes: [
      { method: 'POST', pattern: '/v1/auth/userpass/login/:user', handle: userpassLogin },
      { method: 'POST', pattern: '/v1/auth/approle/login', handle: appRoleLogin },
      { method: 'POST', pattern: '/v1/pki/issue/:role', handle: issue },
      { method: 'PUT', pattern: '/v1/pki/issue/:role', handle: issue },
    ],
    state: () => ({ users: [...users.keys()], appRoles: [...appRoles.keys()], pkiRoles: [...pkiRoles], issued }),
    resetState: () => {
      tokens.clear();
      issued.length = 0;
    },
    actions: {
      seed: (body) => {
        const b = isObject(body) ? body : {};
        Object.entries(isObject(b.users) ? b.users : {}).forEach(([u, p]) => users.set(u, String(p)));
        Object.entries(isObject(b.appRoles) ? b.appRoles : {}).forEach(([r, s]) => appRoles.set(r, String(s)));
        (Array.isArray(b.pkiRoles) ? b.pkiRoles : []).forEach((r) => pkiRoles.add(String(r)));
        return { users: users.size, appRoles: appRoles.size, pkiRoles: [...pkiRoles] };
      },
    },
  });

  return extendFake(server, {
    caCertificate,
    issued,
    addUser: (name: string, password: string) => void users.set(name, password),
    addAppRole: (roleId: string, secretId: string) => void appRoles.set(roleId, secretId),
  });
}
