/**
 * Cutting text to a size in UTF-8 bytes, which is how WeCom counts (markdown ≤ 4096 bytes,
 * text ≤ 2048), never inside a character.
 */

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const ELLIPSIS = '…';

/** True for a byte that continues a multi-byte character (10xxxxxx). */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** The start of `text` in at most `maxBytes`, ending with `…` when something was cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const room = maxBytes - utf8Length(ELLIPSIS);
  if (room <= 0) return '';
  let end = room;
  while (end > 0 && isContinuation(bytes[end])) end -= 1;
  return bytes.subarray(0, end).toString('utf8') + ELLIPSIS;
}

/** The end of `text` in at most `maxBytes`, starting with `…` when something was cut. */
export function tailUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const room = maxBytes - utf8Length(ELLIPSIS);
  if (room <= 0) return '';
  let start = bytes.length - room;
  while (start < bytes.length && isContinuation(bytes[start])) start += 1;
  return ELLIPSIS + bytes.subarray(start).toString('utf8');
}
