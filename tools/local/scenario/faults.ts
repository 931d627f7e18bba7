/**
 * With `faults`, after the campaign is seeded: Entry Service and Code Service fail for a while,
 * and the Kafka broker stops answering once sendData publishes. Hands the outage (to wait for)
 * to the registration phase; without faults, nothing happens and there is no outage.
 */
import type { ScenarioContext } from './context';
import { kafkaOutage } from './kafka';

/** Injects the failures of a run with faults; the Kafka outage, if any, is still under way. */
export function startFaults(ctx: ScenarioContext, campaignId: string): Promise<void> | undefined {
  const { rt, fakes, options, log } = ctx;
  if (options.faults) {
    log('  faults: Entry Service, Code Service and Kafka will fail for a while');
    // More failures than the service client's retries absorb: some batches fail and come back
    // after the queue's visibility timeout.
    fakes.entries.failNext({ status: 503, count: 12, path: '/v2/entries' });
    fakes.entries.failNext({ status: 500, count: 6, path: new RegExp(`^/${campaignId}/entries/codes$`) });
    fakes.codes.failNext({ status: 503, count: 6, path: new RegExp(`^/${campaignId}/assign$`) });
  }
  return options.faults && rt.components.kafka.pause ? kafkaOutage(rt, 15_000, log) : undefined;
}
