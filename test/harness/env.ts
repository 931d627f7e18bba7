/** Small helpers for integration tests. */

/** Names of the variables test/harness/globalSetup.ts publishes. */
export type HarnessVariable =
  | 'DYNAMODB_ENDPOINT'
  | 'SQS_ENDPOINT'
  | 'REDIS_URL'
  | 'KAFKA_BROKERS'
  | 'AWS_REGION'
  | 'AWS_ENDPOINT_URL_DYNAMODB'
  | 'AWS_ENDPOINT_URL_SQS'
  | 'AWS_ENDPOINT_URL_SNS';

/** Returns the variable's value, or throws saying the global setup did not provide it. */
export function requireEnv(name: HarnessVariable | (string & {})): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: the integration harness (test/harness/globalSetup.ts) did not run or did not publish it. ` +
        'Run integration tests through `npx jest --selectProjects integration`, or set it to an existing instance.',
    );
  }
  return value;
}

/**
 * Sets environment variables (`undefined` removes one) and returns the function that puts back
 * what they were before this call.
 */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  };
  apply(vars);
  return () => apply(before);
}
