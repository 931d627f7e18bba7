/** Campaign and market shapes the workers read (DOMAIN.md 2.1, 2.2). */

export const CAMPAIGN_STATUSES = ['DRAFT', 'PREVIEW', 'OPEN', 'CLOSED', 'INACTIVE'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const PREFERENCE_TYPES = [
  'email',
  'phone',
  'name',
  'zip',
  'opt_in',
  'markets',
  'ticket_count',
  'boolean_select',
  'freeform_text',
  'checklist',
  'promoterOptIns',
] as const;
export type PreferenceType = (typeof PREFERENCE_TYPES)[number];

export interface Preference {
  id: string;
  type: string;
  is_optional: boolean;
  additional?: {
    maxLength?: number;
    minLength?: number;
    min?: number;
    max?: number;
    items?: string[];
    [key: string]: unknown;
  };
}

export interface CampaignGate {
  campaignId?: string;
  card?: string;
  inviteOnly?: 'email' | 'globalUserId' | 'memberId';
  linkedAccount?: string;
  linkedCampaign?: string;
  idv?: string;
}

export interface Market {
  id: string;
  campaign_id: string;
  name?: string;
  city?: string;
  state?: string;
  timezone?: string;
  date?: { created?: string; updated?: string; notification?: string | null; notified?: string | null };
  event?: {
    date?: string;
    presaleDateTime?: string;
    ids?: string[];
    link?: string;
    ticketer?: string;
    name?: string;
    venue?: { name?: string; id?: string };
    sharedCode?: string;
    splitAllocation?: { isActive?: boolean; type?: string; link?: string };
  };
  point?: { type: 'Point'; coordinates: [number, number] };
  accessCode?: string;
  isAddedShow?: boolean;
  promoterIds?: string[];
  [key: string]: unknown;
}

export interface Campaign {
  id: string;
  type?: string;
  slug?: string;
  name?: string;
  status: string;
  referenceTimezone?: string;
  artist?: { discovery_id?: string; name?: string; id?: string; fanclubName?: string; adpUrl?: string };
  tour?: { name?: string };
  domain?: { site?: string };
  date?: {
    created?: string;
    updated?: string;
    open?: string | null;
    close?: string | null;
    presaleWindowStart?: string;
    presaleWindowEnd?: string;
    sendReminderEmails?: string[];
    triggeredEmailReminders?: string;
  };
  locales?: { id: string; is_default: boolean }[];
  markets?: Market[];
  preferences?: Preference[];
  options?: { gate?: CampaignGate; automatedReminders?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

/** A stored `ACTIVE` is read as `OPEN` (DECISIONS.md [1]). */
export function normaliseStatus(status: unknown): string {
  return status === 'ACTIVE' ? 'OPEN' : String(status ?? '');
}
