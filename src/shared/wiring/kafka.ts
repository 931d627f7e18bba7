import { getConfig } from '../config';
import type { KafkaPublisher } from '../kafka/producer';
import { createKafkaPublisher, parseCertificate } from '../kafka/producer';
import type { Logger } from '../runtime/logger';
import { secrets } from './aws';
import { once } from './memo';

/** The Kafka publisher; TLS client certificate from the `kafka-cert` secret outside `local`. */
export const kafkaPublisher = (log: Logger): KafkaPublisher =>
  once('kafkaPublisher', () => {
    // TLS outside local runs is enforced when the configuration is validated.
    const { kafka, aws } = getConfig();
    return createKafkaPublisher({
      brokers: kafka.brokers,
      clientId: kafka.clientId,
      ssl: kafka.ssl,
      loadCertificate: async ({ fresh = false } = {}) => {
        if (fresh) {
          // The broker refused the cached certificate: it was probably rotated, so skip the cache.
          secrets().invalidate(aws.secrets.kafkaCert);
        }
        return parseCertificate(await secrets().getJson(aws.secrets.kafkaCert));
      },
      connectionTimeoutMs: kafka.connectionTimeoutMs,
      requestTimeoutMs: kafka.requestTimeoutMs,
      log,
    });
  });
