import type { Item } from '../../../shared/aws/demandTable';
import type { InviteType } from '../../../shared/aws/keys';
import { INVITE_TYPES } from '../../../shared/aws/keys';
import type { CampaignGate } from '../../../shared/domain/campaign';
import type { IdvVerifier } from './idvToken';
import type { IneligibleReason, UserInfo } from './types';

/**
 * `configurationError`: the refusal comes from this deployment's configuration, not from the fan
 * (an idv gate while no usable IDV issuer key is configured); the caller logs it as an error.
 */
export type GateOutcome =
  | { eligible: true; linkedCampaignId?: string }
  | { eligible: false; reason: IneligibleReason; detail: string; configurationError?: string };

/** What the gates read: demand-table items (GetItem only) and the IDV token check. */
export interface GateDeps {
  getInvite(campaignId: string, type: InviteType, value: string): Promise<Item | undefined>;
  getEntry(campaignId: string, globalUserId: string): Promise<Item | undefined>;
  verifyIdv: IdvVerifier;
  now: () => Date;
}

export interface GateRequest {
  campaignId: string;
  userInfo: UserInfo;
  entry: Record<string, unknown>;
  doTransfer: boolean;
}

/** A campaign whose gate cannot be read; answered as INTERNAL_SERVER_ERROR and logged, never as open. */
export class GateConfigError extends Error {
  override name = 'GateConfigError';
}

const GATE_KEYS = ['linkedCampaign', 'campaignId', 'inviteOnly', 'idv', 'card', 'linkedAccount'] as const;
type GateKey = (typeof GATE_KEYS)[number];

const refuse = (reason: IneligibleReason, detail: string): GateOutcome => ({ eligible: false, reason, detail });

/** The gate's keys that carry a value, each value a non-empty string; anything else is a misconfigured campaign. */
function readGate(gate: CampaignGate): Partial<Record<GateKey, string>> {
  const set: Partial<Record<GateKey, string>> = {};
  for (const [key, value] of Object.entries(gate)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (!(GATE_KEYS as readonly string[]).includes(key)) {
      throw new GateConfigError(`unknown gate "${key}"`);
    }
    if (typeof value !== 'string') {
      throw new GateConfigError(`gate "${key}" must be a string`);
    }
    set[key as GateKey] = value.trim();
  }
  return set;
}

/**
 * linkedCampaign / campaignId: the campaign is for fans of the linked campaign. An entry there
 * with `doTransfer` → eligible and `linkedCampaignId`; without → LINKED_ENTRY (the form offers
 * the transfer). No entry there → INELIGIBLE_ENTRY, unless the fan's entry in this campaign
 * already came from that campaign (`linkedFrom`), so a fan who transferred can still edit.
 */
async function checkLinked(linkedId: string, request: GateRequest, deps: GateDeps): Promise<GateOutcome> {
  const { globalUserId } = request.userInfo;
  if (!globalUserId) {
    return refuse('INELIGIBLE_ENTRY', 'the fan has no globalUserId');
  }
  if (await deps.getEntry(linkedId, globalUserId)) {
    return request.doTransfer
      ? { eligible: true, linkedCampaignId: linkedId }
      : refuse('LINKED_ENTRY', `the fan has an entry in linked campaign ${linkedId}`);
  }
  const own = await deps.getEntry(request.campaignId, globalUserId);
  if (own?.linkedFrom === linkedId) {
    return { eligible: true };
  }
  return refuse('INELIGIBLE_ENTRY', `no entry in linked campaign ${linkedId}`);
}

/** inviteOnly: the fan's identifier of the gate's type is on the campaign's invite list and the invite has not expired. */
async function checkInvite(type: string, request: GateRequest, deps: GateDeps): Promise<GateOutcome> {
  if (!(INVITE_TYPES as readonly string[]).includes(type)) {
    throw new GateConfigError(`inviteOnly gate type "${type}" is not one of ${INVITE_TYPES.join(', ')}`);
  }
  const value = request.userInfo[type as InviteType];
  if (!value) {
    return refuse('NO_INVITE', `the fan has no ${type}`);
  }
  const invite = await deps.getInvite(request.campaignId, type as InviteType, value);
  // DynamoDB deletes expired items up to days late, so an expired `ttl` counts as no invite.
  const expired = typeof invite?.ttl === 'number' && invite.ttl * 1000 <= deps.now().getTime();
  return invite && !expired ? { eligible: true } : refuse('NO_INVITE', `${type} is not on the invite list`);
}

function checkList(reason: IneligibleReason, held: string[], wanted: string, what: string): GateOutcome {
  const want = wanted.toUpperCase();
  return held.some((h) => h.toUpperCase() === want)
    ? { eligible: true }
    : refuse(reason, `the fan has no ${what} ${wanted}`);
}

/**
 * Applies every gate the campaign sets (DECISIONS.md [27]); all must pass. Order: linked
 * campaign, invite list, IDV, card, linked account. A transfer from the linked campaign skips
 * the invite list (DOMAIN.md 4.1: a transfer is allowed even when the target is invite-only).
 */
export async function checkGate(
  gate: CampaignGate | undefined,
  request: GateRequest,
  deps: GateDeps,
): Promise<GateOutcome> {
  const set = readGate(gate ?? {});
  let linkedCampaignId: string | undefined;
  for (const key of GATE_KEYS) {
    const value = set[key];
    if (value === undefined || (key === 'inviteOnly' && linkedCampaignId !== undefined)) {
      continue;
    }
    let outcome: GateOutcome;
    switch (key) {
      case 'linkedCampaign':
      case 'campaignId':
        outcome = await checkLinked(value, request, deps);
        break;
      case 'inviteOnly':
        outcome = await checkInvite(value, request, deps);
        break;
      case 'idv': {
        const idv = deps.verifyIdv(request.entry.idvToken, request.userInfo.globalUserId);
        if (idv.valid) {
          outcome = { eligible: true };
        } else if (idv.misconfigured) {
          outcome = { eligible: false, reason: 'IDV_REQUIRED', detail: idv.reason, configurationError: idv.reason };
        } else {
          outcome = refuse('IDV_REQUIRED', idv.reason);
        }
        break;
      }
      case 'card':
        outcome = checkList('INELIGIBLE_ENTRY', request.userInfo.cardTypes, value, 'card');
        break;
      case 'linkedAccount':
        outcome = checkList('INELIGIBLE_ENTRY', request.userInfo.linkedAccounts, value, 'linked account');
        break;
    }
    if (!outcome.eligible) {
      return outcome;
    }
    linkedCampaignId ??= outcome.linkedCampaignId;
  }
  return linkedCampaignId ? { eligible: true, linkedCampaignId } : { eligible: true };
}
