import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunLog } from '../../../src/runner/run-log.js';
import type { RunLogLine } from '../../../src/runner/runner.js';

function collect(options: Partial<ConstructorParameters<typeof RunLog>[0]> = {}) {
  const batches: RunLogLine[][] = [];
  const log = new RunLog({ limitBytes: 1_000_000, onBatch: (batch) => batches.push(batch), ...options });
  return { log, batches, lines: () => batches.flat() };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RunLog', () => {
  it('joins lines split across chunks and ends an unterminated last line at end of stream', () => {
    const { log, lines } = collect();
    log.write('stdout', Buffer.from('first li'));
    log.write('stdout', Buffer.from('ne\nsecond\r\nthi'));
    log.write('stderr', Buffer.from('oops\n'));
    log.write('stdout', Buffer.from('rd'));
    log.end('stdout');
    log.end('stderr');
    log.flush();
    expect(lines()).toEqual([
      { stream: 'stdout', text: 'first line' },
      { stream: 'stdout', text: 'second' },
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'third' },
    ]);
    expect(log.loggedBytes).toBe('first line\nsecond\r\nthird'.length + 'oops\n'.length);
  });

  it('splits lines longer than maxLineBytes without cutting a UTF-8 character', () => {
    const { log, lines } = collect({ maxLineBytes: 8 });
    // 'é' is two bytes: a cut at byte 8 would fall inside the fourth one.
    log.write('stdout', Buffer.from('abcéééé\n'));
    log.end('stdout');
    log.flush();
    expect(lines().map((line) => line.text)).toEqual(['abcéé', 'éé']);
    expect(log.loggedBytes).toBe(Buffer.byteLength('abcéééé\n'));
  });

  it('forwards up to the cap, then counts dropped bytes and lines exactly, and keeps the stderr tail', () => {
    const { log, lines } = collect({ limitBytes: 25, tailBytes: 10 });
    log.write('stdout', Buffer.from('0123456789\n0123456789\n'));
    log.write('stdout', Buffer.from('this line does not fit\nnor this one\npartial'));
    log.write('stderr', Buffer.from('an error line\nlast words'));
    log.write('stdout', Buffer.from(' line\n'));
    log.end('stdout');
    log.end('stderr');
    log.flush();
    expect(lines().map((line) => line.text)).toEqual(['0123456789', '0123456789']);
    expect(log.loggedBytes).toBe(22);
    const total = Buffer.byteLength('this line does not fit\nnor this one\npartial line\nan error line\nlast words');
    expect(log.droppedBytes).toBe(total);
    // 'this line…', 'nor this one', 'partial line', 'an error line', 'last words'
    expect(log.droppedLines).toBe(5);
    expect(log.stderrTail).toBe('last words');
  });

  it('sends a batch once it holds batchBytes, and otherwise after batchMs', () => {
    vi.useFakeTimers();
    const { log, batches } = collect({ batchBytes: 20, batchMs: 50 });
    log.write('stdout', Buffer.from('0123456789\n'));
    expect(batches).toHaveLength(0);
    log.write('stdout', Buffer.from('0123456789\nabc\n'));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(2);
    vi.advanceTimersByTime(49);
    expect(batches).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([expect.any(Array), [{ stream: 'stdout', text: 'abc' }]]);
  });

  it('keeps no character cut in half at the start of the stderr tail', () => {
    // The last 4 bytes of 'xxéé\n' begin with the second byte of the first 'é'.
    const { log } = collect({ tailBytes: 4 });
    log.write('stderr', Buffer.from('xxéé\n'));
    expect(log.stderrTail).toBe('é\n');
  });
});
