import type { Calendar } from './calendar.ts';
import { parseCalendar } from './parse.ts';

/**
 * The seed's release-gate window in `timezone` (default UTC, the time of a CI runner): closed on
 * weekends and Friday afternoons, otherwise open 09:00–16:00.
 */
export function businessHours(timezone = 'UTC'): Calendar {
  return parseCalendar(
    'business-hours',
    {
      timezone,
      deny: [
        { days: ['sat', 'sun'], reason: 'weekend' },
        { days: ['fri'], hours: '12:00-24:00', reason: 'Friday afternoon' },
      ],
      allow: [{ hours: '09:00-16:00', reason: 'outside hours (09:00-16:00)' }],
    },
    'business-hours',
  );
}

/** Built-in calendars by name, each built for a time zone. */
export const PRESETS: Readonly<Record<string, (timezone?: string) => Calendar>> = Object.freeze({
  'business-hours': businessHours,
});

/** The built-in calendars in UTC, by name. */
export function presetCalendars(): Readonly<Record<string, Calendar>> {
  return Object.freeze(Object.fromEntries(Object.entries(PRESETS).map(([name, make]) => [name, make()])));
}
