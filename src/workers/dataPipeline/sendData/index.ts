/** sendData: the five typed queues → schema validation → Kafka (keys per DECISIONS [19]). */
import type { Message } from 'kafkajs';
import { getConfig } from '../../../shared/config';
import { kafkaPublisher } from '../../../shared/wiring/kafka';
import { sqsRetryBackoff } from '../../../shared/wiring/retryBackoff';
import { createSendDataHandler } from './sendData';

export const handler = createSendDataHandler(
  (ctx) => {
    const { kafka } = getConfig();
    // The wiring publisher is created once per execution environment and drops its producer after
    // an error, so the next send reconnects. Resolved on first send: if it cannot be created (TLS
    // off outside local, no certificate), every record of the batch fails and is retried.
    const publisher = { send: (topic: string, messages: Message[]) => kafkaPublisher(ctx.log).send(topic, messages) };
    return { publisher, topics: kafka.topics, log: ctx.log, remainingTimeMs: ctx.remainingTimeMs };
  },
  // A Kafka outage or certificate trouble can last minutes: delay retries instead of dead-lettering.
  { retryBackoff: sqsRetryBackoff() },
);
