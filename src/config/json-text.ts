/**
 * JSON.parse with errors people can act on: "line 4, column 3: expected ',' or '}' after
 * property value". V8 gives a position for most errors but not for an unexpected token, so
 * a small scanner finds the position when V8 does not say.
 */

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** Offset of the first character that breaks the JSON grammar, or -1 when there is none. */
export function locateJsonError(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new RangeError(String(i));
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      } else if (c < ' ') fail();
      i++;
    }
    fail();
  };
  const sequence = (close: string, item: () => void): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      space();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail();
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === 't' || c === 'f' || c === 'n') {
      // Like V8, point at the first letter that stops matching: "nope" fails at the "o".
      const literal = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      for (const letter of literal) {
        if (text[i] !== letter) fail();
        i++;
      }
    } else {
      const digits = (): void => {
        if (!/[0-9]/.test(text[i] ?? '')) fail();
        while (/[0-9]/.test(text[i] ?? '')) i++;
      };
      if (text[i] === '-') i++;
      if (text[i] === '0') i++;
      else digits();
      if (text[i] === '.') {
        i++;
        digits();
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits();
      }
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return -1;
  } catch (error) {
    if (error instanceof RangeError) return Number(error.message);
    throw error;
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

/**
 * Parses JSON (a leading byte-order mark is allowed).
 * @throws JsonSyntaxError with line, column and what was wrong.
 */
export function parseJsonText(text: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const v8Position = /at position (\d+)/.exec(raw)?.[1];
    const offset = v8Position !== undefined ? Number(v8Position) : locateJsonError(body);
    const { line, column } = lineAndColumn(body, offset < 0 ? body.length : offset);
    const reason = raw
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/^\w/, (first) => first.toLowerCase());
    throw new JsonSyntaxError(`line ${line}, column ${column}: ${reason}`, line, column);
  }
}
