import { formatCount } from '../../src/core/count-format';

describe('formatCount', () => {
  const intl = new Intl.NumberFormat('en-US');

  it('writes integers exactly as Intl en-US does', () => {
    const values = [0, -0, 1, 9, 10, 999, 1000, 1001, 9999, 10000, 99999, 100000, 123456, 999999, 1000000, 1234567890,
      Number.MAX_SAFE_INTEGER, -1, -999, -1000, -1234567, Number.MIN_SAFE_INTEGER];
    for (const v of values) expect(formatCount(v)).toBe(intl.format(v));
    for (let i = 0; i < 2000; i++) {
      const v = Math.floor((Math.random() - 0.5) * 10 ** (1 + (i % 15)));
      expect(formatCount(v)).toBe(intl.format(v));
    }
  });

  it('writes fractions, unsafe integers and non-finite values through Intl', () => {
    for (const v of [1.5, -1234.5678, 0.001, 2 ** 60, -(2 ** 60), Infinity, -Infinity, NaN]) expect(formatCount(v)).toBe(intl.format(v));
  });
});
