import { LoadMeter } from '../../src/sandbox/load-meter';

describe('load meter (what QBO limits count)', () => {
  it('counts every request open at once until it is answered, once per request', () => {
    const meter = new LoadMeter();
    const done = [meter.arrive(0), meter.arrive(1), meter.arrive(2)];
    expect(meter.peakOpen).toBe(3);
    done[0]!();
    done[0]!();
    meter.arrive(3);
    expect(meter.peakOpen).toBe(3);
    meter.arrive(4);
    expect(meter.peakOpen).toBe(4);
  });

  it('records the most arrivals within any rolling minute', () => {
    const meter = new LoadMeter();
    for (let i = 0; i < 5; i += 1) meter.arrive(i * 1000)();
    expect(meter.peakPerMinute).toBe(5);
    // 60 s after the first arrival it has left the window: still 5 at most.
    meter.arrive(60_000)();
    expect(meter.peakPerMinute).toBe(5);
    meter.arrive(60_500)();
    expect(meter.peakPerMinute).toBe(6);
    for (let i = 0; i < 2000; i += 1) meter.arrive(200_000 + i * 100)();
    expect(meter.peakPerMinute).toBe(600);
  });
});
