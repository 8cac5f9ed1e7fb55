// Relative and exact renderings of ISO times: lists show "3 min ago", hover shows the instant.

const UNITS: [limitSeconds: number, divisor: number, unit: string][] = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [86_400 * 60, 86_400, 'd'],
];

/** "12 s ago", "in 3 min", "5 h ago"; older than two months falls back to the date. */
export function formatRelative(iso: string | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const delta = (at - now) / 1000;
  const size = Math.abs(delta);
  if (size < 1) return 'now';
  for (const [limit, divisor, unit] of UNITS) {
    if (size < limit) {
      const value = Math.floor(size / divisor);
      return delta < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
    }
  }
  return formatExact(iso).slice(0, 10);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** The browser's UTC offset at `date`, as `+02:00`. */
export function localOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2026-03-29 03:00:00.120 +02:00` in the browser's zone: exact, sortable, unambiguous. */
export function formatExact(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  return `${day} ${time} ${localOffset(date)}`;
}

/** `03:00:12` for today, otherwise `03-28 03:00:12`, in the browser's zone. */
export function formatShort(iso: string | undefined, now: number): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const today = new Date(now);
  const sameDay =
    date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  return sameDay ? time : `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${pad(Math.floor((seconds % 3600) / 60))} min`;
}
