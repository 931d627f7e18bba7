/**
 * Stateful HTTP fakes of the services around the workers (DOMAIN.md section 6), plus Slack and
 * Vault. Each starts on a free port, logs requests, can be told to fail, and exposes the same
 * controls over HTTP under `/_fake/...` for a separate process. See docs/services.md.
 */
import type { KeyObject } from 'node:crypto';
import type { CampaignServiceFake } from './campaignService';
import { createCampaignServiceFake } from './campaignService';
import type { CodeServiceFake } from './codeService';
import { createCodeServiceFake } from './codeService';
import type { EntryServiceFake } from './entryService';
import { createEntryServiceFake } from './entryService';
import type { ExportsServiceFake } from './exportsService';
import { createExportsServiceFake } from './exportsService';
import type { SlackWebhookFake } from './slack';
import { createSlackWebhookFake } from './slack';
import type { UserServiceFake } from './userService';
import { createUserServiceFake } from './userService';
import type { VaultFake, VaultFakeOptions } from './vault';
import { createVaultFake } from './vault';

export * from './server';
export * from './entryService';
export * from './userService';
export * from './campaignService';
export * from './codeService';
export * from './exportsService';
export * from './slack';
export * from './vault';

export interface ServiceFakes {
  entries: EntryServiceFake;
  users: UserServiceFake;
  campaigns: CampaignServiceFake;
  codes: CodeServiceFake;
  exports: ExportsServiceFake;
  slack: SlackWebhookFake;
  vault: VaultFake;
  /** Base URL of each fake, by the service names of the config (`services.<name>.baseUrl`). */
  urls: {
    entries: string;
    users: string;
    campaigns: string;
    codes: string;
    exports: string;
    slack: string;
    vault: string;
  };
  /** Resets every fake. */
  reset(): void;
  stop(): Promise<void>;
}

export interface ServiceFakesOptions {
  /** When given, the five services verify bearer tokens (RS256, unexpired, isSupreme) with this key. */
  publicKey?: string | KeyObject;
  vault?: VaultFakeOptions;
}

/** Starts all seven fakes on free ports. */
export async function startServiceFakes(options: ServiceFakesOptions = {}): Promise<ServiceFakes> {
  const { publicKey } = options;
  const campaigns = createCampaignServiceFake({ publicKey });
  const fakes = {
    entries: createEntryServiceFake({ publicKey }),
    users: createUserServiceFake({ publicKey }),
    campaigns,
    codes: createCodeServiceFake({ publicKey }),
    // Exports Service rejects campaigns Campaign Service does not know.
    exports: createExportsServiceFake({ publicKey, knownCampaign: (id) => campaigns.hasCampaign(id) }),
    slack: createSlackWebhookFake(),
    vault: createVaultFake(options.vault),
  };
  const all = Object.values(fakes);
  try {
    await Promise.all(all.map((f) => f.start()));
  } catch (error) {
    await Promise.all(all.map((f) => f.stop()));
    throw error;
  }
  return {
    ...fakes,
    urls: {
      entries: fakes.entries.url,
      users: fakes.users.url,
      campaigns: fakes.campaigns.url,
      codes: fakes.codes.url,
      exports: fakes.exports.url,
      slack: fakes.slack.webhookUrl,
      vault: fakes.vault.url,
    },
    reset: () => all.forEach((f) => f.reset()),
    stop: async () => {
      await Promise.all(all.map((f) => f.stop()));
    },
  };
}
