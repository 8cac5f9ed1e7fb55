/**
 * What an alert says, and how it is written for a channel within its size limit. The headline,
 * the job, the run id, the exit code or timeout, the dashboard link and the mentions are kept
 * whole; the stderr tail gets whatever room is left, newest lines first.
 */
import { formatInZone } from '../config/time-format.js';
import type { PendingNotice } from '../domain/alert-state.js';
import { truncateUtf8, tailUtf8, utf8Length } from './utf8.js';

export interface AlertContent {
  kind: 'failure' | 'recovery' | 'test';
  headline: string;
  /** Label and value lines, in order: job, run, exit code or timeout, count. */
  facts: { label: string; value: string }[];
  /** `<dashboard url>/runs/<runId>`. */
  link?: string;
  stderrTail?: string;
  /** Maintainers as the job lists them. */
  maintainers: string[];
  jobId?: string;
  runId?: string;
  alertId?: string;
  failures?: number;
}

/** How the maintainers of one message are reached. */
export interface Recipients {
  /** WeCom user ids, mentioned (robot) or addressed (app). */
  wecom: string[];
  /** Mobile numbers, for robot text messages. */
  mobiles: string[];
}

export interface ComposeContext {
  /** Without a trailing slash. */
  dashboardUrl?: string;
  /** Zone that times are shown in. @defaultValue the node's zone */
  timezone?: string;
}

const nodeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

function when(iso: string, zone: string): string {
  // Without the weekday: "2026-01-01 10:03:00 +00:00".
  return formatInZone(new Date(iso), zone).replace(/ \S+$/, '');
}

function runLink(context: ComposeContext, runId: string): string | undefined {
  return context.dashboardUrl ? `${context.dashboardUrl}/runs/${encodeURIComponent(runId)}` : undefined;
}

/**
 * The content of a notice. `currentFailures` is the count of the still-open alert, which may
 * have grown since the notice was decided (failures grouped into it while it waited).
 */
export function composeNotice(notice: PendingNotice, currentFailures: number | undefined, context: ComposeContext): AlertContent {
  const zone = context.timezone ?? nodeZone();
  if (notice.kind === 'recovery' && notice.resolved) {
    const r = notice.resolved;
    const link = runLink(context, r.runId);
    return {
      kind: 'recovery',
      headline: `✅ ${r.jobId} recovered`,
      facts: [
        { label: 'Job', value: r.jobId },
        { label: 'Run', value: `${r.runId} succeeded` },
        { label: 'Failures', value: `${r.failures}× since ${when(r.since, zone)}` },
      ],
      ...(link ? { link } : {}),
      maintainers: r.maintainers,
      jobId: r.jobId,
      runId: r.runId,
      alertId: r.alertId,
      failures: r.failures,
    };
  }
  const f = notice.raised;
  if (!f) throw new Error(`notice ${notice.noticeId} has no decision to tell`);
  const failures = Math.max(f.failures, currentFailures ?? 0);
  const signal = f.signal ? `, signal ${f.signal}` : '';
  let headline: string;
  let result: { label: string; value: string };
  switch (f.outcome) {
    case 'timed_out':
      headline = `⏱ ${f.jobId} timed out after ${f.timeoutMs ?? '?'} ms`;
      result = { label: 'Timeout', value: `${f.timeoutMs ?? '?'} ms${signal}` };
      break;
    case 'abandoned':
      headline = `⚠️ ${f.jobId} was abandoned`;
      result = { label: 'Abandoned', value: f.reason ?? 'its node went away' };
      break;
    default:
      headline = `❌ ${f.jobId} failed (exit code ${f.exitCode ?? 'none'}${signal})`;
      result = { label: 'Exit code', value: `${f.exitCode ?? 'none'}${signal}` };
  }
  const facts = [{ label: 'Job', value: f.jobId }, { label: 'Run', value: `${f.runId} (attempt ${f.attempt})` }, result];
  if (failures > 1) facts.push({ label: 'Failures', value: `failed ${failures}× since ${when(f.since, zone)}` });
  const link = runLink(context, f.runId);
  return {
    kind: 'failure',
    headline,
    facts,
    ...(link ? { link } : {}),
    ...(f.stderrTail ? { stderrTail: f.stderrTail } : {}),
    maintainers: f.maintainers,
    jobId: f.jobId,
    runId: f.runId,
    alertId: f.alertId,
    failures,
  };
}

/** Longest a single fact may be, so a freak value cannot push out the rest. */
const MAX_FACT_BYTES = 512;

/** Keeps the newest stderr lines that fit in `budget` bytes once each is rendered. */
function fitTail(stderr: string, budget: number, render: (line: string) => string): string[] {
  const lines = stderr.replace(/\s+$/, '').split('\n');
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = render(lines[i]!);
    const cost = utf8Length(line) + 1;
    if (used + cost > budget) {
      // The newest line alone is too long: keep its end.
      if (kept.length === 0) {
        const room = budget - utf8Length(render('')) - 1;
        if (room > 8) kept.unshift(render(tailUtf8(lines[i]!, room)));
      }
      break;
    }
    kept.unshift(line);
    used += cost;
  }
  return kept;
}

function assemble(head: string[], stderr: string | undefined, maxBytes: number, stderrTitle: string, render: (l: string) => string): string {
  const top = truncateUtf8(head.join('\n'), maxBytes);
  if (!stderr || top !== head.join('\n')) return top;
  const budget = maxBytes - utf8Length(top) - utf8Length(`\n${stderrTitle}`) - 1;
  const lines = budget > 0 ? fitTail(stderr, budget, render) : [];
  return lines.length === 0 ? top : `${top}\n${stderrTitle}\n${lines.join('\n')}`;
}

/** WeCom markdown: bold headline, quoted facts, a link, `<@id>` mentions, the stderr tail. */
export function renderMarkdown(content: AlertContent, recipients: Recipients | undefined, maxBytes: number): string {
  const clean = (text: string) => text.replace(/<@/g, '< @');
  const head = [`**${clean(content.headline)}**`];
  for (const fact of content.facts) head.push(`> ${fact.label}: ${clean(truncateUtf8(fact.value, MAX_FACT_BYTES))}`);
  if (content.link) head.push(`[Open run in the dashboard](${content.link})`);
  if (recipients?.wecom.length) head.push(recipients.wecom.map((id) => `<@${id}>`).join(' '));
  return assemble(head, content.stderrTail, maxBytes, 'stderr:', (line) => `> ${clean(line)}`);
}

/** Plain text; mentions travel beside it (`mentioned_list`), not in it. */
export function renderText(content: AlertContent, maxBytes: number): string {
  const head = [content.headline];
  for (const fact of content.facts) head.push(`${fact.label}: ${truncateUtf8(fact.value, MAX_FACT_BYTES)}`);
  if (content.link) head.push(content.link);
  return assemble(head, content.stderrTail, maxBytes, 'stderr:', (line) => `  ${line}`);
}

/** The content of `timecloud alert test`. */
export function testContent(channel: string, at: string, context: ComposeContext): AlertContent {
  return {
    kind: 'test',
    headline: `🔔 timecloud test message on channel "${channel}"`,
    facts: [{ label: 'Sent', value: when(at, context.timezone ?? nodeZone()) }],
    ...(context.dashboardUrl ? { link: context.dashboardUrl } : {}),
    maintainers: [],
  };
}
