import type { FakeControls, FakeRequest } from './server';
import { createFakeServer, isObject, extendFake } from './server';

export interface SlackMessage {
  /** Webhook path the message was posted to. */
  path: string;
  text?: string;
  blocks?: unknown[];
  channel?: string;
  [field: string]: unknown;
}

export interface SlackWebhookFake extends FakeControls {
  readonly messages: SlackMessage[];
  /** An incoming-webhook URL on this fake (valid once started). */
  readonly webhookUrl: string;
}

const WEBHOOK_PATH = '/services/T00000000/B00000000/fakewebhooksecret';

// Slack answers webhooks in plain text: `ok`, or an error word such as `invalid_payload`.
const slackText = (status: number, text: string) => ({ status, text });

/** A fake Slack incoming webhook that records posted messages. */
export function createSlackWebhookFake(): SlackWebhookFake {
  const messages: SlackMessage[] = [];

  const post = (req: FakeRequest) => {
    const b = req.body;
    if (!isObject(b)) {
      return slackText(400, 'invalid_payload');
    }
    if (typeof b.text !== 'string' && !Array.isArray(b.blocks)) {
      return slackText(400, 'no_text');
    }
    messages.push({ ...structuredClone(b), path: req.path });
    return slackText(200, 'ok');
  };

  const server = createFakeServer({
    name: 'slack',
    auth: 'none',
    routes: [{ method: 'POST', pattern: '/services/:team/:bot/:secret', handle: post }],
    errorBody: (status, code) => slackText(status, code),
    state: () => ({ messages }),
    resetState: () => {
      messages.length = 0;
    },
  });
  return extendFake(server, {
    messages,
    get webhookUrl() {
      return `${server.url}${WEBHOOK_PATH}`;
    },
  });
}
