/**
 * Numbers as the reports write them (`12,345`, `-1,234.5`), as `Intl.NumberFormat('en-US')` writes them. Safe
 * integers — nearly every number a report prints — are grouped by hand: creating the Intl formatter loads ICU data
 * (~20 ms of a short block process), and `toLocaleString` would build one on every call (~10 µs each, tens of
 * thousands of calls in a report of 1,826 days). Anything else (fractions, huge or non-finite values) goes to one
 * formatter, made the first time one is needed.
 */
let enUs: Intl.NumberFormat | undefined;

function grouped(digits: string): string {
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return out;
}

export function formatCount(value: number): string {
  if (Number.isSafeInteger(value)) {
    if (value > -1000 && value < 1000) return Object.is(value, -0) ? '-0' : String(value);
    return value < 0 ? `-${grouped(String(-value))}` : grouped(String(value));
  }
  return (enUs ??= new Intl.NumberFormat('en-US')).format(value);
}
