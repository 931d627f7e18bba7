import { toTime } from '../shared/time';

/** What a reminder says about the market; the fan adds the code and the locale. */
export interface MarketFacts {
  artist?: string;
  eventName?: string;
  /** ISO date (`2026-06-13`) or date-time of the event. */
  eventDate?: string;
  presaleDateTime?: string;
  /** IANA time zone of the market. */
  timeZone?: string;
  link?: string;
}

export interface RenderedMessage {
  locale: string;
  body: string;
}

/** Why a fan's text could not be made: the data fields it needs that have no usable value. */
export interface UnrenderableMessage {
  /** The template that was tried; absent when no locale of the fan has a template. */
  locale?: string;
  /** The fields to fix, named as they are stored (`event.link`), or the missing template. */
  missing: string[];
}

/** Renders the reminder text of one fan: the first of `locales` with a template, and the fan's code. */
export type MessageRenderer = (locales: readonly unknown[], code: string) => RenderedMessage | UnrenderableMessage;

/** True when the renderer made a text. */
export const isRendered = (message: RenderedMessage | UnrenderableMessage): message is RenderedMessage => 'body' in message;

/**
 * Where each placeholder's value comes from, so the error of an unrenderable reminder names the
 * field an operator has to fix rather than the template's placeholder.
 */
const PLACEHOLDER_SOURCES: Readonly<Record<string, string>> = {
  artist: 'artist.name', // on the campaign; the others are on the market or the fan
  eventName: 'event.name',
  eventDate: 'event.date',
  // Date and time placeholders also need a valid zone: market `timezone`, else campaign `referenceTimezone`.
  presaleTime: 'event.presaleDateTime',
  timezone: 'timezone',
  code: 'codes.id',
  link: 'event.link',
};

/** `en_us`, `EN-us` → `en-US`; `fr` → `fr`; anything else → undefined. */
export function normaliseLocale(value: unknown): string | undefined {
  const match = typeof value === 'string' ? /^([a-z]{2})(?:[-_]([a-z]{2}))?$/i.exec(value.trim()) : null;
  if (!match) {
    return undefined;
  }
  return match[2] ? `${match[1].toLowerCase()}-${match[2].toUpperCase()}` : match[1].toLowerCase();
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Formats with Intl; an unknown time zone or locale gives undefined (and so no message) rather than a wrong text. */
function format(value: unknown, locale: string, options: Intl.DateTimeFormatOptions, part?: 'timeZoneName'): string | undefined {
  const ms = toTime(value);
  if (ms === undefined || !options.timeZone) {
    return undefined;
  }
  try {
    const formatter = new Intl.DateTimeFormat(locale, options);
    const text = part ? formatter.formatToParts(ms).find((p) => p.type === part)?.value : formatter.format(ms);
    // Some ICU versions put (narrow) no-break spaces in times; outside GSM-7 they would make the SMS Unicode (70, not 160, characters).
    return text?.replace(/[\u00a0\u202f]/g, ' ');
  } catch {
    return undefined;
  }
}

/** The event's day in the market's zone (`Sat, Jun 13, 2026`); a bare date is that day everywhere. */
export function formatEventDate(value: unknown, locale: string, timeZone?: string): string | undefined {
  const dateOnly = typeof value === 'string' && DATE_ONLY.test(value);
  return format(value, locale, {
    timeZone: dateOnly ? 'UTC' : timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    year: 'numeric',
  });
}

/** The presale's wall-clock time in the market's zone (`10:00 AM`). */
export function formatPresaleTime(value: unknown, locale: string, timeZone?: string): string | undefined {
  return format(value, locale, { timeZone, hour: 'numeric', minute: '2-digit' });
}

/** The zone's short name at the presale instant, so daylight saving shows (`EDT` in July, `EST` in January). */
export function formatTimeZone(value: unknown, locale: string, timeZone?: string): string | undefined {
  return format(value, locale, { timeZone, timeZoneName: 'short' }, 'timeZoneName');
}

/**
 * Replaces `{name}` placeholders; lists the placeholders without a value instead of giving a
 * text, so no half-filled text is ever sent.
 */
export function fillTemplate(template: string, values: Record<string, string | undefined>): { body: string } | { missing: string[] } {
  const missing: string[] = [];
  const body = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (!value) {
      missing.push(name);
      return '';
    }
    return value;
  });
  return missing.length === 0 ? { body } : { missing: [...new Set(missing)] };
}

/**
 * A renderer of one market's reminder texts from the per-locale templates of config
 * (placeholders {artist} {eventName} {eventDate} {presaleTime} {timezone} {code} {link}).
 * Dates are formatted once per locale, not once per fan.
 */
export function createMessageRenderer(templates: Readonly<Record<string, string>>, facts: MarketFacts): MessageRenderer {
  const perLocale = new Map<string, Record<string, string | undefined>>();
  const valuesFor = (locale: string) => {
    let values = perLocale.get(locale);
    if (!values) {
      values = {
        artist: facts.artist,
        eventName: facts.eventName,
        eventDate: formatEventDate(facts.eventDate, locale, facts.timeZone),
        presaleTime: formatPresaleTime(facts.presaleDateTime, locale, facts.timeZone),
        timezone: formatTimeZone(facts.presaleDateTime, locale, facts.timeZone),
        link: facts.link,
      };
      perLocale.set(locale, values);
    }
    return values;
  };
  return (locales, code) => {
    const locale = locales.map(normaliseLocale).find((l): l is string => l !== undefined && templates[l] !== undefined);
    if (!locale) {
      return { missing: [`notifications.templates for ${locales.map(normaliseLocale).filter(Boolean).join(', ') || 'no locale'}`] };
    }
    const filled = fillTemplate(templates[locale], { ...valuesFor(locale), code });
    return 'body' in filled ? { locale, body: filled.body } : { locale, missing: filled.missing.map((name) => PLACEHOLDER_SOURCES[name] ?? name) };
  };
}
