/** Checks IANA time zone names the way croner will use them (through Intl). */
import { closest } from './suggest.js';

/** Answers by zone name: asking Intl costs about 150 µs, and a rescan asks once per job. */
const known = new Map<string, boolean>();

/** True when Intl (and so croner) knows the zone, aliases such as "US/Eastern" included. */
export function isKnownTimeZone(zone: string): boolean {
  let answer = known.get(zone);
  if (answer === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      answer = true;
    } catch {
      answer = false;
    }
    // Bounded: file contents must not be able to grow this without limit.
    if (known.size < 1000) known.set(zone, answer);
  }
  return answer;
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
