import { getConfig } from '../config';
import { sqsClient } from '../aws/clients';
import { createSqsRetryBackoff } from '../aws/retryBackoff';
import type { SqsRetryBackoff } from '../runtime/sqs';
import { once } from './memo';

/**
 * The retry backoff of an SQS worker (`retryBackoff` of sqsBatchHandler) with the configured
 * schedule: `sqsRetry.backoffSeconds`, or `sqsRetry.userInfoBackoffSeconds` for the user-info
 * queue, which allows two receives instead of three.
 */
export const sqsRetryBackoff =
  (schedule: 'default' | 'userInfo' = 'default') =>
  (): SqsRetryBackoff =>
    once(`sqsRetryBackoff:${schedule}`, () => {
      const { sqsRetry } = getConfig();
      return createSqsRetryBackoff(
        sqsClient(),
        schedule === 'userInfo' ? sqsRetry.userInfoBackoffSeconds : sqsRetry.backoffSeconds,
      );
    });
