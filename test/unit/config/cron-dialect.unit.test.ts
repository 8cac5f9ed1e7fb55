import { describe, expect, it } from 'vitest';
import { translateTimecloudV1 } from '../../../src/config/cron-dialect.js';

describe('translateTimecloudV1', () => {
  it.each([
    ['0 0 0 1 0 *', '0 0 0 1 1 *'],
    ['0 0 0 1 11 *', '0 0 0 1 12 *'],
    ['0 0 1 0-2 *', '0 0 1 1,2,3 *'],
    ['0 0 0 1 0,6,11 *', '0 0 0 1 1,7,12 *'],
    ['0 0 0 1 */5 *', '0 0 0 1 1,6,11 *'],
    ['0 0 0 1 3-11/4 *', '0 0 0 1 4,8,12 *'],
    ['0 0 0 1 jan-MAR,dec *', '0 0 0 1 1,2,3,12 *'],
    ['0 0 0 1 * 1-5', '0 0 0 1 * 1-5'],
    ['0 0 0 1 ? *', '0 0 0 1 * *'],
    ['0 0 0 1 */1 *', '0 0 0 1 * *'],
    ['30 2 1 5 *', '30 2 1 6 *'],
    ['@daily', '@daily'],
  ])('%s → %s', (v1, croner) => {
    expect(translateTimecloudV1(v1)).toBe(croner);
  });

  it.each([
    ['0 0 0 1 12 *', /month field "12" has "12" — the timecloud-v1 dialect expects months 0–11/],
    ['0 0 0 1 5-2 *', /range "5-2" running backwards/],
    ['0 0 0 1 5/2 *', /a step needs "\*" or a range before it/],
    ['0 0 0 1 */0 *', /step "0"/],
    ['0 0 0 1 1,,2 *', /malformed part ""/],
    ['0 0 0 1 FOO *', /has "FOO"/],
  ])('rejects %s', (v1, message) => {
    expect(() => translateTimecloudV1(v1)).toThrow(message);
  });
});
