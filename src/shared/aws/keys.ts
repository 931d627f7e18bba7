/**
 * demand-table key builders (DECISIONS.md B [2]). Every key the workers construct is built
 * here and nowhere else.
 */

export interface TableKey {
  PK: string;
  SK: string;
}

export const INVITE_TYPES = ['email', 'globalUserId', 'memberId'] as const;
export type InviteType = (typeof INVITE_TYPES)[number];

/** Key of a fan's registration entry in a campaign. */
export const entryKey = (campaignId: string, globalUserId: string): TableKey => ({
  PK: `e:${campaignId}`,
  SK: `entry#${globalUserId}`,
});

/** Invite identifiers are compared normalised: emails trimmed and lower-cased, others trimmed. */
export function normaliseInviteValue(type: InviteType, value: string): string {
  const trimmed = value.trim();
  return type === 'email' ? trimmed.toLowerCase() : trimmed;
}

/** Key of an invite-list item of a campaign. */
export const inviteKey = (campaignId: string, type: InviteType, value: string): TableKey => ({
  PK: `i:${campaignId}`,
  SK: `invite#${type}#${normaliseInviteValue(type, value)}`,
});

/** Key of a presale reminder for a fan and a campaign market. */
export const reminderKey = (globalUserId: string, campaignId: string, marketId: string): TableKey => ({
  PK: `fan:${globalUserId}`,
  SK: `asu#${campaignId}-${marketId}#reminder`,
});

/**
 * Key of the claim that ties a fan's code for a market to one code (docs/selection.md): the
 * first selection to claim it wins, and a later one with another code releases its code.
 */
export const codeClaimKey = (campaignId: string, marketId: string, globalUserId: string): TableKey => ({
  PK: `sel:${campaignId}`,
  SK: `claim#${marketId}#${globalUserId}`,
});

/** The key attributes of an item, nothing else. */
export const keyOf = (item: TableKey): TableKey => ({ PK: item.PK, SK: item.SK });
