import { describe, expect, it } from 'vitest';
import { composeNotice, renderMarkdown, renderText } from '../../../src/alerts/alert-message.js';
import { resolveRecipients } from '../../../src/alerts/recipients.js';
import { tailUtf8, truncateUtf8, utf8Length } from '../../../src/alerts/utf8.js';
import type { PendingNotice } from '../../../src/domain/alert-state.js';
import type { AlertRaised } from '../../../src/domain/events.js';

const RUN_ID = '0b7d6c1e-5a2f-4c38-9d3e-2f1a7b9c4e21';

function raised(overrides: Partial<AlertRaised['data']> = {}): PendingNotice {
  const data: AlertRaised['data'] = {
    alertId: 'a1',
    noticeId: 'n1',
    jobId: 'shop/report',
    runId: RUN_ID,
    attempt: 3,
    outcome: 'failed',
    failures: 1,
    since: '2026-01-01T10:03:00.000Z',
    position: '42',
    maintainers: ['alice'],
    channels: ['ops'],
    exitCode: 1,
    signal: null,
    stderrTail: 'boom',
    at: '2026-01-01T10:03:00.000Z',
    ...overrides,
  };
  return { noticeId: data.noticeId, alertId: data.alertId, kind: 'failure', raised: data, channels: ['ops'] };
}

const context = { dashboardUrl: 'https://cron.example.com', timezone: 'Asia/Shanghai' };

describe('UTF-8 cutting', () => {
  it('keeps the head or the tail within the byte limit without splitting a character', () => {
    const text = '数据库连接失败🙂'.repeat(50); // 3-byte characters and a 4-byte emoji
    for (let max = 1; max < 120; max++) {
      const head = truncateUtf8(text, max);
      const tail = tailUtf8(text, max);
      expect(utf8Length(head)).toBeLessThanOrEqual(max);
      expect(utf8Length(tail)).toBeLessThanOrEqual(max);
      expect(head).not.toContain('\uFFFD');
      expect(tail).not.toContain('\uFFFD');
      if (head) expect(text.startsWith(head.slice(0, -1))).toBe(true);
      if (tail) expect(text.endsWith(tail.slice(1))).toBe(true);
    }
    expect(truncateUtf8('short', 100)).toBe('short');
    expect(tailUtf8('short', 100)).toBe('short');
  });
});

describe('messages', () => {
  const hugeStderr = Array.from({ length: 400 }, (_, i) => `第${i}行：无法连接数据库 connection refused`).join('\n');

  it('keeps headline, job, run id, exit code, link and mentions, and fills the rest with the newest stderr', () => {
    const content = composeNotice(raised({ stderrTail: hugeStderr, failures: 12 }), 12, context);
    const markdown = renderMarkdown(content, { wecom: ['ZhangSan', 'bob'], mobiles: [] }, 4096);
    expect(utf8Length(markdown)).toBeLessThanOrEqual(4096);
    expect(utf8Length(markdown)).toBeGreaterThan(3900); // the room is used, not wasted
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('**❌ shop/report failed (exit code 1)**');
    expect(markdown).toContain('> Job: shop/report');
    expect(markdown).toContain(`> Run: ${RUN_ID} (attempt 3)`);
    expect(markdown).toContain('> Exit code: 1');
    expect(markdown).toContain('> Failures: failed 12× since 2026-01-01 18:03:00 +08:00');
    expect(markdown).toContain(`[Open run in the dashboard](https://cron.example.com/runs/${RUN_ID})`);
    expect(markdown).toContain('<@ZhangSan> <@bob>');
    expect(lines.at(-1)).toBe('> 第399行：无法连接数据库 connection refused');
    expect(markdown).not.toContain('第0行');

    const text = renderText(content, 2048);
    expect(utf8Length(text)).toBeLessThanOrEqual(2048);
    expect(text.split('\n')[0]).toBe('❌ shop/report failed (exit code 1)');
    expect(text).toContain(`https://cron.example.com/runs/${RUN_ID}`);
    expect(text.split('\n').at(-1)).toBe('  第399行：无法连接数据库 connection refused');
  });

  it('cuts one endless stderr line from its start, and keeps within the limit whatever the values', () => {
    const endless = composeNotice(raised({ stderrTail: `${'x'.repeat(9000)} the end` }), undefined, context);
    const markdown = renderMarkdown(endless, undefined, 4096);
    expect(utf8Length(markdown)).toBeLessThanOrEqual(4096);
    expect(markdown.endsWith('x the end')).toBe(true);
    expect(markdown).toContain('> …xxx');

    const absurd = composeNotice(raised({ jobId: `shop/${'名'.repeat(3000)}`, stderrTail: 'boom' }), undefined, context);
    const cut = renderMarkdown(absurd, { wecom: ['ZhangSan'], mobiles: [] }, 4096);
    expect(utf8Length(cut)).toBeLessThanOrEqual(4096);
    expect(cut.startsWith('**❌ shop/名名')).toBe(true);
  });

  it('says what happened: a timeout, an abandoned run, a recovery, and the newer count of an open alert', () => {
    const timeout = composeNotice(raised({ outcome: 'timed_out', timeoutMs: 30_000, exitCode: null, signal: 'SIGKILL' }), undefined, context);
    expect(timeout.headline).toBe('⏱ shop/report timed out after 30000 ms');
    expect(timeout.facts).toContainEqual({ label: 'Timeout', value: '30000 ms, signal SIGKILL' });
    const abandoned = composeNotice(raised({ outcome: 'abandoned', reason: 'node n1 stopped renewing its lease' }), undefined, context);
    expect(abandoned.headline).toBe('⚠️ shop/report was abandoned');
    // Failures grouped into the alert while the notice waited are counted.
    expect(composeNotice(raised({ failures: 1 }), 5, context).facts.at(-1)?.value).toBe('failed 5× since 2026-01-01 18:03:00 +08:00');
    const recovery = composeNotice(
      {
        noticeId: 'n2',
        alertId: 'a1',
        kind: 'recovery',
        channels: ['ops'],
        resolved: {
          alertId: 'a1',
          jobId: 'shop/report',
          runId: 'r9',
          failures: 4,
          since: '2026-01-01T10:03:00.000Z',
          position: '50',
          notify: true,
          noticeId: 'n2',
          maintainers: ['alice'],
          channels: ['ops'],
          at: '2026-01-01T11:00:00.000Z',
        },
      },
      undefined,
      context,
    );
    expect(recovery.headline).toBe('✅ shop/report recovered');
    expect(recovery.link).toBe('https://cron.example.com/runs/r9');
  });

  it('cannot be made to mention someone through the job output', () => {
    const sneaky = composeNotice(raised({ stderrTail: 'please ping <@boss>' }), undefined, context);
    expect(renderMarkdown(sneaky, { wecom: [], mobiles: [] }, 4096)).not.toContain('<@boss>');
  });
});

describe('recipients', () => {
  it('maps maintainers to WeCom ids, takes ids as written, and leaves out those without one', () => {
    const users = { alice: { wecom: 'ZhangSan', mobile: '13800001111' }, carol: {} };
    expect(resolveRecipients(['alice', 'bob', 'carol', 'Dave Smith', '张三', 'alice'], users)).toEqual({
      wecom: ['ZhangSan', 'bob'],
      mobiles: ['13800001111'],
    });
    expect(resolveRecipients(['toString'], {})).toEqual({ wecom: ['toString'], mobiles: [] });
  });
});
