import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import http from 'node:http';

/**
 * A small Secrets Manager emulator speaking the service's JSON 1.1 protocol, enough for the
 * AWS SDK v3 client: CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret, DeleteSecret,
 * ListSecrets. Secrets are addressed by name or by the ARN it hands out. Used by the local
 * runtime and the tests (no Secrets Manager emulator installs from npm or Debian).
 */
export interface LocalSecretsManager {
  endpoint: string;
  /** Creates or replaces a secret directly (no SDK round trip). */
  put(name: string, value: string): string;
  /** Makes the next `count` requests fail with the given error type (failure injection). */
  failNext(count: number, type?: string): void;
  /** Calls `listener` whenever a secret gets a value (put, CreateSecret, PutSecretValue). */
  watch(listener: (name: string, value: string) => void): void;
  requests: { target: string; secretId?: string }[];
  stop(): Promise<void>;
}

interface Secret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  created: number;
  updated: number;
}

/** Starts the emulator on a free loopback port (or `port`). */
export async function startSecretsManager(port = 0, region = 'us-east-1'): Promise<LocalSecretsManager> {
  const secrets = new Map<string, Secret>();
  const requests: LocalSecretsManager['requests'] = [];
  let failures: { count: number; type: string } = { count: 0, type: 'InternalServiceError' };
  const listeners: ((name: string, value: string) => void)[] = [];

  const find = (id: string | undefined) => [...secrets.values()].find((s) => s.name === id || s.arn === id);
  const put = (name: string, value: string): string => {
    const existing = find(name);
    const now = Date.now() / 1000;
    const secret: Secret = existing
      ? { ...existing, value, versionId: randomUUID(), updated: now }
      : {
          name,
          arn: `arn:aws:secretsmanager:${region}:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
          value,
          versionId: randomUUID(),
          created: now,
          updated: now,
        };
    secrets.set(secret.name, secret);
    for (const listener of listeners) {
      listener(secret.name, value);
    }
    return secret.arn;
  };

  const handlers: Record<string, (body: Record<string, string>) => [number, unknown]> = {
    CreateSecret: (b) => {
      if (find(b.Name)) {
        return [400, { __type: 'ResourceExistsException', message: `secret ${b.Name} already exists` }];
      }
      const arn = put(b.Name, b.SecretString ?? '');
      return [200, { ARN: arn, Name: b.Name, VersionId: find(b.Name)?.versionId }];
    },
    PutSecretValue: (b) => {
      const s = find(b.SecretId);
      if (!s) {
        return [
          400,
          { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret.` },
        ];
      }
      put(s.name, b.SecretString ?? '');
      return [200, { ARN: s.arn, Name: s.name, VersionId: find(s.name)?.versionId }];
    },
    GetSecretValue: (b) => {
      const s = find(b.SecretId);
      return s
        ? [200, { ARN: s.arn, Name: s.name, SecretString: s.value, VersionId: s.versionId, CreatedDate: s.updated }]
        : [400, { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret.` }];
    },
    DescribeSecret: (b) => {
      const s = find(b.SecretId);
      return s
        ? [200, { ARN: s.arn, Name: s.name, CreatedDate: s.created, LastChangedDate: s.updated }]
        : [400, { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret.` }];
    },
    DeleteSecret: (b) => {
      const s = find(b.SecretId);
      if (s) {
        secrets.delete(s.name);
      }
      return s
        ? [200, { ARN: s.arn, Name: s.name, DeletionDate: Date.now() / 1000 }]
        : [400, { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret.` }];
    },
    ListSecrets: () => [200, { SecretList: [...secrets.values()].map((s) => ({ ARN: s.arn, Name: s.name })) }],
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      let body: Record<string, string> = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        body = {};
      }
      requests.push({ target, secretId: body.SecretId ?? body.Name });
      const handler = handlers[target];
      let status: number;
      let payload: unknown;
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        [status, payload] = [500, { __type: failures.type, message: 'injected failure' }];
      } else if (!handler) {
        [status, payload] = [400, { __type: 'UnknownOperationException', message: `unsupported operation ${target}` }];
      } else {
        [status, payload] = handler(body);
      }
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    put,
    requests,
    failNext: (count, type = 'InternalServiceError') => {
      failures = { count, type };
    },
    watch: (listener) => {
      listeners.push(listener);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
