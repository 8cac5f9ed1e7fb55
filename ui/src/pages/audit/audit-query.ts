// The audit filters as they live in the URL (`?stream=&type=&run=&since=&until=&order=`) and in the form.
import type { LocationQuery } from 'vue-router';
import type { AuditFilter } from './audit-match.js';

export interface AuditForm {
  stream: string;
  type: string;
  run: string;
  /** `datetime-local` values, in the browser's zone. */
  since: string;
  until: string;
  order: 'newest' | 'oldest';
}

function text(query: LocationQuery, key: string): string {
  const value = query[key];
  return typeof value === 'string' ? value : '';
}

export function filterFromQuery(query: LocationQuery): AuditFilter {
  const filter: AuditFilter = { direction: text(query, 'order') === 'oldest' ? 'forwards' : 'backwards' };
  for (const key of ['stream', 'type', 'run', 'since', 'until'] as const) if (text(query, key)) filter[key] = text(query, key);
  return filter;
}

/** ISO → the `datetime-local` input's local `YYYY-MM-DDTHH:mm`. */
function toLocalInput(iso: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function formFromQuery(query: LocationQuery): AuditForm {
  return {
    stream: text(query, 'stream'),
    type: text(query, 'type'),
    run: text(query, 'run'),
    since: toLocalInput(text(query, 'since')),
    until: toLocalInput(text(query, 'until')),
    order: text(query, 'order') === 'oldest' ? 'oldest' : 'newest',
  };
}

export function queryFromForm(form: AuditForm): Record<string, string> {
  const query: Record<string, string> = {};
  if (form.stream.trim()) query.stream = form.stream.trim();
  if (form.type.trim()) query.type = form.type.trim();
  if (form.run.trim()) query.run = form.run.trim();
  if (form.since) query.since = new Date(form.since).toISOString();
  if (form.until) query.until = new Date(form.until).toISOString();
  if (form.order === 'oldest') query.order = 'oldest';
  return query;
}
