/**
 * The scenario's view of Kafka: reading the campaign's records back from the five topics of the
 * data pipeline (for the invariants and the changes phase), and, with faults, a broker outage
 * while sendData is publishing.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../../src/shared/config';
import type { LocalRuntime } from '../runtime';
import { sleep } from './pool';

/** A Kafka message value of the data pipeline (the fields the scenario looks at). */
export interface KafkaValue {
  campaignId?: string;
  globalUserId?: string;
  marketId?: string;
  rank?: number;
  isDeleted?: boolean;
  /** A registration's form fields, as a JSON string. */
  fields?: string;
  dedupe?: { id?: string };
}

/** Once sendData is publishing, freezes the Kafka broker for `ms`, then lets it answer again. */
export async function kafkaOutage(rt: LocalRuntime, ms: number, log: (line: string) => void): Promise<void> {
  const sendData = rt.functionOf('sendData').name;
  while (rt.host.stats(sendData).invocations === 0) {
    await sleep(100);
  }
  log(`  fault: Kafka broker stops answering for ${ms / 1000} s`);
  await rt.components.kafka.pause?.();
  await sleep(ms);
  await rt.components.kafka.resume?.();
  log('  fault: Kafka broker answers again');
}

/**
 * The campaign's messages per data type in the five topics, read from the beginning until
 * `enough` holds for what was read (then a moment more, so duplicates right behind are read
 * too) or `timeoutMs` passed.
 */
export async function readKafka(
  rt: LocalRuntime,
  config: Config,
  campaignId: string,
  timeoutMs: number,
  enough: (byType: Record<string, KafkaValue[]>) => boolean,
): Promise<Record<string, KafkaValue[]>> {
  const typeOfTopic = new Map(Object.entries(config.kafka.topics).map(([type, topic]) => [topic, type]));
  const byType: Record<string, KafkaValue[]> = Object.fromEntries([...typeOfTopic.values()].map((t) => [t, []]));
  const kafka = new Kafka({
    brokers: rt.components.kafka.brokers,
    clientId: 'local-scenario',
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `local-scenario-${campaignId}-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...typeOfTopic.keys()], fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      let finishing = false;
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          const value = JSON.parse(message.value?.toString('utf8') ?? '{}') as KafkaValue;
          const type = typeOfTopic.get(topic);
          if (!type || value.campaignId !== campaignId) {
            return;
          }
          byType[type].push(value);
          if (!finishing && enough(byType)) {
            finishing = true;
            clearTimeout(timer);
            setTimeout(resolve, 1000);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return byType;
}

/** Messages of the campaign per data type in the five topics: total, distinct (by dedupe id) and the values. */
export async function countKafka(
  rt: LocalRuntime,
  config: Config,
  campaignId: string,
  expected: Record<string, { total: number }>,
  timeoutMs: number,
): Promise<Record<string, { total: number; distinct: number; values: KafkaValue[] }>> {
  const byType = await readKafka(rt, config, campaignId, timeoutMs, (read) =>
    Object.entries(expected).every(([t, want]) => read[t].length >= want.total),
  );
  return Object.fromEntries(
    Object.keys(expected).map((t) => [
      t,
      {
        total: byType[t].length,
        distinct: new Set(byType[t].map((v) => v.dedupe?.id ?? randomBytes(8).toString('hex'))).size,
        values: byType[t],
      },
    ]),
  );
}
