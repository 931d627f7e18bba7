/**
 * What tools outside the process read to reach the run: the client environment (`env.sh`, to
 * `source`: AWS_ENDPOINT_URL, queue URLs, function names, the services) and the wiring of the run
 * (`wiring.json`, without secret values), which `npm run ops -- --env local` reads.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { clientEnvironment, envFileText } from '../aws/clientEnvironment';
import type { Components } from '../components';
import { localQueueUrl } from '../emulators/sqs';
import type { WiringModel } from '../wiring/model';
import type { LocalVariables } from '../wiring/variables';

export function writeClientFiles(options: {
  workDir: string;
  edgeEndpoint: string;
  model: WiringModel;
  vars: LocalVariables;
  components: Components;
}): { exports: Record<string, string>; envFile: string } {
  const { workDir, edgeEndpoint, model, vars, components } = options;
  const { fakes } = components;
  const exports = clientEnvironment({
    edge: edgeEndpoint,
    region: vars.region,
    model,
    queueUrl: (name) => localQueueUrl(edgeEndpoint, name),
    others: {
      DEMAND_TABLE_NAME: vars.demandTableName,
      REDIS_URL: components.redisUrl,
      KAFKA_BROKERS: components.kafka.brokers.join(','),
      MONGODB_URI: components.mongo.uri,
      ENTRY_SERVICE_URL: fakes.urls.entries,
      USER_SERVICE_URL: fakes.urls.users,
      CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
      CODE_SERVICE_URL: fakes.urls.codes,
      EXPORTS_SERVICE_URL: fakes.urls.exports,
      CONFIG_ENV: 'local',
    },
  });
  const envFile = path.join(workDir, 'env.sh');
  writeFileSync(envFile, envFileText(exports, vars.environment));
  const secrets = model.secrets.map(({ value: _value, ...secret }) => secret);
  const wiring = { environment: vars.environment, model: { ...model, secrets } };
  writeFileSync(path.join(workDir, 'wiring.json'), JSON.stringify(wiring, null, 1));
  return { exports, envFile };
}
