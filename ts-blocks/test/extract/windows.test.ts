import { isLiveWindow, planWindows } from '../../src/extract/windows';

describe('planning windows', () => {
  it('cuts the range into half-open windows, the last one shorter', () => {
    const plan = planWindows(new Date('2024-01-01T00:00:00Z'), new Date('2024-01-18T00:00:00Z'), 7);
    expect(plan.map((c) => [c.index, c.windowStart.toISOString(), c.windowEnd.toISOString()])).toEqual([
      [0, '2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z'],
      [1, '2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z'],
      [2, '2024-01-15T00:00:00.000Z', '2024-01-18T00:00:00.000Z'],
    ]);
  });

  it('puts every instant of the range in exactly one window', () => {
    const from = new Date('2024-03-09T05:17:00Z');
    const to = new Date('2024-03-12T00:00:00Z');
    const plan = planWindows(from, to, 0.25);
    for (let i = 1; i < plan.length; i += 1) expect(plan[i]!.windowStart).toEqual(plan[i - 1]!.windowEnd);
    expect(plan[0]!.windowStart).toEqual(from);
    expect(plan[plan.length - 1]!.windowEnd).toEqual(to);
    for (const t of [from.getTime(), from.getTime() + 6 * 3600_000, to.getTime() - 1]) {
      expect(plan.filter((c) => c.windowStart.getTime() <= t && t < c.windowEnd.getTime())).toHaveLength(1);
    }
    expect(plan.filter((c) => c.windowStart.getTime() <= to.getTime() && to.getTime() < c.windowEnd.getTime())).toHaveLength(0);
  });

  it('marks windows that end after the run started as live', () => {
    const [w] = planWindows(new Date('2024-01-01T00:00:00Z'), new Date('2024-01-02T00:00:00Z'), 1);
    expect(isLiveWindow(w!, Date.parse('2024-01-01T12:00:00Z'))).toBe(true);
    expect(isLiveWindow(w!, Date.parse('2024-01-02T00:00:00Z'))).toBe(false);
  });
});
