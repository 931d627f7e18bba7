/** Shapes of checkEligibility's input and answer (DOMAIN.md 4.1, DECISIONS.md [1] [27]). */

/** Why a fan may not register (DOMAIN.md 2.12 `INELIGIBLE_REASON`). */
export type IneligibleReason =
  | 'CAMPAIGN_NOT_FOUND'
  | 'CAMPAIGN_CLOSED'
  | 'INTERNAL_SERVER_ERROR'
  | 'INVALID_ENTRY'
  | 'INELIGIBLE_ENTRY'
  | 'NO_INVITE'
  | 'LINKED_ENTRY'
  | 'IDV_REQUIRED';

/** A normalised form value. */
export type FieldValue = string | number | boolean | string[];

/** The answer AppSync gets: exactly these keys, absent ones left out. */
export interface EligibilityResult {
  isEligible: boolean;
  reason?: IneligibleReason;
  campaignId?: string;
  fields?: Record<string, FieldValue>;
  linkedCampaignId?: string;
  /** For INVALID_ENTRY: the preference id that failed and why. */
  detail?: { field: string; message: string };
}

/** The signed-in fan as AppSync passes it (all values strings, lists as arrays or comma-separated). */
export interface UserInfo {
  globalUserId?: string;
  email?: string;
  memberId?: string;
  phoneNumber?: string;
  countryCode?: string;
  cardTypes: string[];
  linkedAccounts: string[];
}

export interface EligibilityInput {
  slug: string;
  /** Submitted form values keyed by preference id, plus `idvToken` for the idv gate. */
  entry: Record<string, unknown>;
  userInfo: UserInfo;
  /** The fan asks to move their registration from the linked campaign. */
  doTransfer: boolean;
}
