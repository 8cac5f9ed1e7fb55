import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, lineAndColumn, locateJsonError, parseJsonText } from '../../../src/config/json-text.js';

const broken = [
  '{"a": 1,}',
  '{"a": 1',
  '{"a": "b\n"}',
  '[1 2]',
  '{"a": 01}',
  '{"jobs": []} x',
  '"abc',
  '{"a" 1}',
  '{"a": tru}',
  '{"a": [1, 2,]}',
  '{"a": "\\q"}',
  '{"a": -}',
  '{"a": 1.}',
  '{"a": 1e+}',
  '{\n  "jobs": [\n    { "name": "a", }\n  ]\n}',
];

describe('locateJsonError', () => {
  it.each(broken)('finds the offset V8 reports for %j', (text) => {
    let message = '';
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }
    const position = /at position (\d+)/.exec(message)?.[1];
    const token = /^Unexpected token '(.)'/.exec(message)?.[1];
    const offset = locateJsonError(text);
    // V8 gives a position, or names the unexpected character: either way the offsets agree.
    if (position !== undefined) expect(offset).toBe(Number(position));
    else expect(text[offset]).toBe(token);
  });

  it('finds the offset where V8 gives none (an unexpected token)', () => {
    expect(locateJsonError('xyz')).toBe(0);
    expect(locateJsonError('{"a": x}')).toBe(6);
    expect(locateJsonError('{\n  "a": nul }')).toBe(12);
  });

  it('returns -1 for valid JSON', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"]} ', '0']) {
      expect(locateJsonError(text)).toBe(-1);
    }
  });
});

describe('parseJsonText', () => {
  it('reports line and column', () => {
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    const error = (() => {
      try {
        parseJsonText('{\n  "a": x\n}');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(JsonSyntaxError);
    expect(error).toMatchObject({ line: 2, column: 8, message: "line 2, column 8: unexpected token 'x'" });
    expect(() => parseJsonText('{"a": 1')).toThrow("line 1, column 8: expected ',' or '}' after property value");
    expect(() => parseJsonText('{"a": ')).toThrow('line 1, column 7: unexpected end of JSON input');
  });

  it('accepts a byte-order mark', () => {
    expect(parseJsonText('\uFEFF{"a": 1}')).toEqual({ a: 1 });
  });
});
