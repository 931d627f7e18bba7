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

/** The fake's issuing CA. */
interface FakeCa {
  readonly name: string;
  readonly privateKey: KeyObject;
  /** PEM of its certificate. */
  readonly certificate: string;
}

/** What the Vault fake holds: credentials, PKI roles, login tokens, issued certificates and its CA. */
interface VaultState {
  readonly users: Map<string, string>;
  readonly appRoles: Map<string, string>;
  readonly pkiRoles: Set<string>;
  /** Login tokens and the identity each belongs to. */
  readonly tokens: Map<string, string>;
  readonly issued: IssuedCertificate[];
  readonly defaultTtl?: string;
  /** Longest TTL issued, in seconds. */
  readonly maxTtl: number;
  readonly ca: FakeCa;
}

/**
 * A fake of the Vault HTTP API parts the cert tool uses: userpass and AppRole login, and PKI
 * issue. Certificates are real X.509 (RSA 2048), signed by a CA the fake creates at start-up,
 * valid from a minute before issue for the requested TTL; a negative TTL gives one that has
 * already expired.
 */
export function createVaultFake(options: VaultFakeOptions = {}): VaultFake {
  const state: VaultState = {
    users: new Map(Object.entries(options.users ?? { techops: 'techops-password' })),
    appRoles: new Map(Object.entries(options.appRoles ?? { 'fake-role-id': 'fake-secret-id' })),
    pkiRoles: new Set(options.pkiRoles ?? ['kafka-client']),
    tokens: new Map(),
    issued: [],
    defaultTtl: options.defaultTtl,
    maxTtl: parseVaultDuration(options.maxTtl ?? '8760h'),
    ca: createCa('reg-workers fake Vault CA'),
  };
  const { users, appRoles, pkiRoles, issued } = state;

  const server = createFakeServer({
    name: 'vault',
    auth: 'none',
    errorBody: vaultError,
    routes: [
      { method: 'POST', pattern: '/v1/auth/userpass/login/:user', handle: (req) => userpassLogin(state, req) },
      { method: 'POST', pattern: '/v1/auth/approle/login', handle: (req) => appRoleLogin(state, req) },
      { method: 'POST', pattern: '/v1/pki/issue/:role', handle: (req) => issue(state, req) },
      { method: 'PUT', pattern: '/v1/pki/issue/:role', handle: (req) => issue(state, req) },
    ],
    state: () => ({ users: [...users.keys()], appRoles: [...appRoles.keys()], pkiRoles: [...pkiRoles], issued }),
    resetState: () => {
      state.tokens.clear();
      issued.length = 0;
    },
    actions: { seed: (body) => seed(state, body) },
  });

  return extendFake(server, {
    caCertificate: state.ca.certificate,
    issued,
    addUser: (name: string, password: string) => void users.set(name, password),
    addAppRole: (roleId: string, secretId: string) => void appRoles.set(roleId, secretId),
  });
}

/** A self-signed CA valid from a day ago for ten years. */
function createCa(name: string): FakeCa {
  const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = buildCertificate({
    commonName: name,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore: new Date(Date.now() - 86400_000),
    notAfter: new Date(Date.now() + 10 * 365 * 86400_000),
    isCa: true,
  }).pem;
  return { name, privateKey: ca.privateKey, certificate };
}

/** `POST /_fake/seed { users?, appRoles?, pkiRoles? }`: adds credentials and roles. */
function seed(state: VaultState, body: unknown) {
  const { users, appRoles, pkiRoles } = state;
  const b = isObject(body) ? body : {};
  Object.entries(isObject(b.users) ? b.users : {}).forEach(([u, p]) => users.set(u, String(p)));
  Object.entries(isObject(b.appRoles) ? b.appRoles : {}).forEach(([r, s]) => appRoles.set(r, String(s)));
  (Array.isArray(b.pkiRoles) ? b.pkiRoles : []).forEach((r) => pkiRoles.add(String(r)));
  return { users: users.size, appRoles: appRoles.size, pkiRoles: [...pkiRoles] };
}

/** A successful login: a new token for `identity`. */
function login(state: VaultState, identity: string, policies: string[]): FakeResponse {
  const token = `hvs.${randomUUID().replace(/-/g, '')}`;
  state.tokens.set(token, identity);
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
}

/** `POST /v1/auth/userpass/login/:user { password }`. */
function userpassLogin(state: VaultState, req: FakeRequest): FakeResponse {
  const password = isObject(req.body) ? req.body.password : undefined;
  if (typeof password !== 'string' || state.users.get(req.params.user) !== password) {
    return vaultError(400, 'invalidCredentials', 'invalid username or password');
  }
  return login(state, `userpass:${req.params.user}`, ['default', 'pki-issue']);
}

/** `POST /v1/auth/approle/login { role_id, secret_id }`. */
function appRoleLogin(state: VaultState, req: FakeRequest): FakeResponse {
  const b = isObject(req.body) ? req.body : {};
  if (
    typeof b.role_id !== 'string' ||
    typeof b.secret_id !== 'string' ||
    state.appRoles.get(b.role_id) !== b.secret_id
  ) {
    return vaultError(400, 'invalidCredentials', 'invalid role or secret ID');
  }
  return login(state, `approle:${b.role_id}`, ['default', 'pki-issue']);
}

/** `POST|PUT /v1/pki/issue/:role { common_name, alt_names?, ip_sans?, ttl? }`: a new key and certificate. */
function issue(state: VaultState, req: FakeRequest): FakeResponse {
  const request = issueRequest(state, req);
  if ('status' in request) {
    return request;
  }
  const { role, commonName, b } = request;
  const warnings: string[] = [];
  const ttl = issueTtl(state, b.ttl, warnings);
  const { pem, serialNumber, privateKey, expiration } = signLeaf(state.ca, commonName, altNamesOf(commonName, b), ttl);
  state.issued.push({ role, commonName, serialNumber, expiration });
  const caPem = state.ca.certificate.trim();
  return {
    status: 200,
    body: {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        certificate: pem.trim(),
        issuing_ca: caPem,
        ca_chain: [caPem],
        private_key: String(privateKey.export({ type: 'pkcs1', format: 'pem' })).trim(),
        private_key_type: 'rsa',
        serial_number: serialNumber,
        expiration,
      },
      warnings: warnings.length > 0 ? warnings : null,
    },
  };
}

/** The role, common name and body of an issue request, or Vault's answer refusing it. */
function issueRequest(
  state: VaultState,
  req: FakeRequest,
): { role: string; commonName: string; b: Record<string, unknown> } | FakeResponse {
  const token = req.headers['x-vault-token'];
  if (typeof token !== 'string' || !state.tokens.has(token)) {
    return vaultError(403, 'permissionDenied', 'permission denied');
  }
  const { role } = req.params;
  if (!state.pkiRoles.has(role)) {
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
  return { role, commonName: b.common_name, b };
}

/** The TTL asked for (else the default) in seconds; over the max TTL, cut to it with a warning as Vault does. */
function issueTtl(state: VaultState, requested: unknown, warnings: string[]): number {
  let ttl = parseVaultDuration(requested ?? state.defaultTtl ?? '720h');
  if (ttl > state.maxTtl) {
    warnings.push(
      `TTL of "${ttl}s" exceeded the effective max_ttl of "${state.maxTtl}s"; TTL value is capped accordingly`,
    );
    ttl = state.maxTtl;
  }
  return ttl;
}

/** The certificate's subject alternative names: the common name, `alt_names` and `ip_sans`. */
const altNamesOf = (commonName: string, b: Record<string, unknown>) =>
  [commonName, ...String(b.alt_names ?? '').split(','), ...String(b.ip_sans ?? '').split(',')]
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * A new RSA key and its certificate signed by `ca`, valid for `ttl` seconds from now, starting a
 * minute ago (or an hour before it expires, when that is earlier).
 */
function signLeaf(ca: FakeCa, commonName: string, altNames: string[], ttl: number) {
  const now = Date.now();
  const notAfter = new Date(now + ttl * 1000);
  const notBefore = new Date(Math.min(now - 60_000, notAfter.getTime() - 3600_000));
  const leaf: { publicKey: KeyObject; privateKey: KeyObject } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = buildCertificate({
    commonName,
    publicKey: leaf.publicKey,
    signingKey: ca.privateKey,
    issuerCommonName: ca.name,
    notBefore,
    notAfter,
    altNames,
  });
  return {
    pem: cert.pem,
    serialNumber: cert.serialNumber,
    privateKey: leaf.privateKey,
    expiration: Math.floor(notAfter.getTime() / 1000),
  };
}
