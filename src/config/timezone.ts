/** Checks IANA time zone names the way croner will use them (through Intl). */
import { closest } from './suggest.js';

/** True when Intl (and so croner) knows the zone, aliases such as "US/Eastern" included. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A human message for an unknown zone, with a near-miss suggestion when there is one. */
export function unknownTimeZoneMessage(zone: string): string {
  const guess = closest(zone, Intl.supportedValuesOf('timeZone'));
  return guess === undefined
    ? `unknown timezone "${zone}" — expected an IANA time zone such as "Europe/Berlin" or "UTC"`
    : `unknown timezone "${zone}" — did you mean "${guess}"?`;
}

/** The zone this process schedules in when a job names none. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
