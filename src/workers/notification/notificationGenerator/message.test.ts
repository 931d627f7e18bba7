import { getConfig } from '../../../shared/config';
import { createMessageRenderer, fillTemplate, formatEventDate, formatPresaleTime, formatTimeZone, normaliseLocale } from './message';

const templates = getConfig().notifications.templates;

const facts = {
  artist: 'The Band',
  eventName: 'World Tour',
  eventDate: '2026-07-18T23:30:00.000Z',
  presaleDateTime: '2026-07-17T14:00:00.000Z',
  timeZone: 'America/New_York',
  link: 'https://tm.example/e/1',
};

describe('reminder text', () => {
  it('fills the fan locale template with the market-zone date, time and zone', () => {
    const render = createMessageRenderer(templates, facts);
    expect(render(['en-US'], 'CODE1')).toEqual({
      locale: 'en-US',
      body: 'The Band presale reminder: World Tour on Sat, Jul 18, 2026. Presale starts 10:00 AM (EDT). Your code: CODE1. https://tm.example/e/1',
    });
  });

  it('falls back from the fan locale to the campaign default, then the configured default', () => {
    const render = createMessageRenderer(templates, facts);
    expect((render(['es_mx', 'en-US'], 'C') as { body?: string }).body).toMatch(/^Recordatorio de preventa de The Band: World Tour el sáb, 18 de jul de 2026\. La preventa empieza 10:00 a\.m\. \(/);
    expect(render(['fr-FR', 'fr-CA', 'en-US'], 'C').locale).toBe('fr-CA');
    expect(render([undefined, 'de-DE', 'en-US'], 'C').locale).toBe('en-US');
    expect(render(['de-DE', 'xx'], 'C')).toEqual({ missing: ['notifications.templates for de-DE, xx'] });
  });

  it('gives no text, but the fields to fix, when the market lacks something the template needs', () => {
    expect(createMessageRenderer(templates, { ...facts, link: undefined })(['en-US'], 'C')).toEqual({ locale: 'en-US', missing: ['event.link'] });
    expect(createMessageRenderer(templates, { ...facts, timeZone: 'Mars/Olympus' })(['en-US'], 'C')).toEqual({
      locale: 'en-US',
      missing: ['event.date', 'event.presaleDateTime', 'timezone'],
    });
    expect(createMessageRenderer(templates, facts)(['en-US'], '')).toEqual({ locale: 'en-US', missing: ['codes.id'] });
  });

  it('shows standard time in winter and daylight time in summer', () => {
    expect(formatTimeZone('2026-01-17T15:00:00Z', 'en-US', 'America/New_York')).toBe('EST');
    expect(formatTimeZone('2026-07-17T14:00:00Z', 'en-US', 'America/New_York')).toBe('EDT');
    expect(formatTimeZone('2026-07-17T14:00:00Z', 'en-US', 'America/Los_Angeles')).toBe('PDT');
    expect(formatTimeZone('2026-07-17T14:00:00Z', 'en-GB', 'Europe/London')).toBe('BST');
    expect(formatPresaleTime('2026-01-17T15:00:00Z', 'en-US', 'America/New_York')).toBe('10:00 AM');
  });

  it('tells the two 1:30 AMs apart on the night New York falls back', () => {
    expect([formatPresaleTime('2026-11-01T05:30:00Z', 'en-US', 'America/New_York'), formatTimeZone('2026-11-01T05:30:00Z', 'en-US', 'America/New_York')]).toEqual(['1:30 AM', 'EDT']);
    expect([formatPresaleTime('2026-11-01T06:30:00Z', 'en-US', 'America/New_York'), formatTimeZone('2026-11-01T06:30:00Z', 'en-US', 'America/New_York')]).toEqual(['1:30 AM', 'EST']);
  });

  it('gives the wall-clock time after New York springs forward', () => {
    expect(formatPresaleTime('2026-03-08T07:30:00Z', 'en-US', 'America/New_York')).toBe('3:30 AM');
    expect(formatTimeZone('2026-03-08T07:30:00Z', 'en-US', 'America/New_York')).toBe('EDT');
    expect(formatPresaleTime('2026-03-08T06:30:00Z', 'en-US', 'America/New_York')).toBe('1:30 AM');
  });

  it('shows the event day in the market zone, and a bare date as that day everywhere', () => {
    // 02:00Z on the 19th is still the evening of the 18th in New York.
    expect(formatEventDate('2026-07-19T02:00:00Z', 'en-US', 'America/New_York')).toBe('Sat, Jul 18, 2026');
    expect(formatEventDate('2026-07-18', 'en-US', 'America/Los_Angeles')).toBe('Sat, Jul 18, 2026');
    expect(formatEventDate('2026-07-18', 'en-US', 'Pacific/Kiritimati')).toBe('Sat, Jul 18, 2026');
    expect(formatEventDate(undefined, 'en-US', 'America/New_York')).toBeUndefined();
  });

  it('normalises locale spellings', () => {
    expect(['en_us', 'EN-us', 'fr', ' es-MX ', 'english', 42].map(normaliseLocale)).toEqual(['en-US', 'en-US', 'fr', 'es-MX', undefined, undefined]);
  });

  it('refuses to half-fill a template', () => {
    expect(fillTemplate('{a} and {b}', { a: 'x', b: 'y' })).toEqual({ body: 'x and y' });
    expect(fillTemplate('{a}, {unknown} and {unknown}', { a: 'x' })).toEqual({ missing: ['unknown'] });
  });
});
