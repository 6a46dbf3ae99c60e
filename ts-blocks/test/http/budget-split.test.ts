import { splitBudget, waterFill, type PeerLease } from '../../src/http/budget-split';

const BUDGET = { maxInFlight: 8, requestsPerWindow: 450 };
const IDLE = { maxInFlight: 0, requestsPerWindow: 0 };

function peer(leaseId: string, reserved: { maxInFlight: number; requestsPerWindow: number }, budget = BUDGET, wantsInFlight?: number): PeerLease {
  return { leaseId, budget, reserved, pausedUntil: 0, ...(wantsInFlight !== undefined && { wantsInFlight }) };
}

describe('splitting the realm budget between leases', () => {
  it('gives a process alone the whole budget', () => {
    const split = splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [] });
    expect(split).toMatchObject({ caps: BUDGET, reserved: BUDGET, realm: BUDGET, leases: 1 });
  });

  it('splits evenly between settled leases, the remainder going to the first by id', () => {
    const peers = [peer('a', { maxInFlight: 3, requestsPerWindow: 150 }), peer('c', { maxInFlight: 2, requestsPerWindow: 150 })];
    expect(splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers }).caps).toEqual({ maxInFlight: 3, requestsPerWindow: 150 });
    const first = splitBudget({ leaseId: 'a', budget: BUDGET, usage: IDLE, peers: [peer('b', IDLE), peer('c', IDLE)] });
    const last = splitBudget({ leaseId: 'c', budget: BUDGET, usage: IDLE, peers: [peer('a', IDLE), peer('b', IDLE)] });
    expect([first.caps.maxInFlight, last.caps.maxInFlight]).toEqual([3, 2]);
  });

  it('gives a newcomer only what the others have not reserved', () => {
    const busy = peer('a', BUDGET);
    expect(splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [busy] }).caps).toEqual(IDLE);
    const shrinking = peer('a', { maxInFlight: 6, requestsPerWindow: 300 });
    expect(splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [shrinking] }).caps).toEqual({ maxInFlight: 2, requestsPerWindow: 150 });
  });

  it("subtracts a released lease's last starts, but gives it no share and ignores its budget", () => {
    const released: PeerLease = { ...peer('a', { maxInFlight: 0, requestsPerWindow: 300 }, { maxInFlight: 2, requestsPerWindow: 100 }), released: true };
    const split = splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [released] });
    expect(split).toMatchObject({ leases: 1, realm: BUDGET, caps: { maxInFlight: 8, requestsPerWindow: 150 } });
    const withLive = splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [released, peer('c', IDLE)] });
    expect(withLive).toMatchObject({ leases: 2, caps: { maxInFlight: 4, requestsPerWindow: 150 } });
  });

  it('keeps reserving what is in flight or started in the window after its caps went down', () => {
    const split = splitBudget({ leaseId: 'a', budget: BUDGET, usage: { maxInFlight: 8, requestsPerWindow: 400 }, peers: [peer('b', IDLE)] });
    expect(split.caps).toEqual({ maxInFlight: 4, requestsPerWindow: 225 });
    expect(split.reserved).toEqual({ maxInFlight: 8, requestsPerWindow: 400 });
  });

  it('uses the smallest budget any live lease was configured with', () => {
    const small = peer('a', IDLE, { maxInFlight: 4, requestsPerWindow: 100 });
    const split = splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [small] });
    expect(split.realm).toEqual({ maxInFlight: 4, requestsPerWindow: 100 });
    expect(split.caps).toEqual({ maxInFlight: 2, requestsPerWindow: 50 });
  });

  it('never lets the caps of processes that refresh one after another add up past the budget', () => {
    // Three processes refresh in turn, each seeing what the others published last; every publication is checked.
    const ids = ['p1', 'p2', 'p3'];
    const board = new Map<string, PeerLease>();
    const usage = new Map(ids.map((id) => [id, { maxInFlight: 0, requestsPerWindow: 0 }]));
    for (let round = 0; round < 12; round += 1) {
      const id = ids[round % 3]!;
      const peers = [...board.values()].filter((p) => p.leaseId !== id);
      const split = splitBudget({ leaseId: id, budget: BUDGET, usage: usage.get(id)!, peers });
      board.set(id, { leaseId: id, budget: BUDGET, reserved: split.reserved, pausedUntil: 0 });
      usage.set(id, split.caps); // it then uses all it may
      const total = [...board.values()].reduce((s, p) => s + p.reserved.maxInFlight, 0);
      const perWindow = [...board.values()].reduce((s, p) => s + p.reserved.requestsPerWindow, 0);
      expect(total).toBeLessThanOrEqual(BUDGET.maxInFlight);
      expect(perWindow).toBeLessThanOrEqual(BUDGET.requestsPerWindow);
    }
    expect([...usage.values()].map((u) => u.maxInFlight).sort()).toEqual([2, 3, 3]);
  });
});

describe('splitting the in-flight budget by demand (water-filling)', () => {
  const TEN = { maxInFlight: 10, requestsPerWindow: 500 };
  const d = (leaseId: string, wants?: number) => ({ leaseId, wants });

  it('gives a lease wanting less than an even split what it wants, and splits the rest evenly among the others', () => {
    expect(Object.fromEntries(waterFill(10, [d('items', 2), d('customers', 5), d('invoices')]))).toEqual({ items: 2, customers: 4, invoices: 4 });
    // customers wants 5 > 4: it is not settled, the two unsettled leases split 8 evenly.
    expect(Object.fromEntries(waterFill(10, [d('a', 2), d('b', 3), d('c')]))).toEqual({ a: 2, b: 3, c: 5 });
    expect(Object.fromEntries(waterFill(10, [d('a', 0), d('b'), d('c')]))).toEqual({ a: 0, b: 5, c: 5 });
  });

  it('is the even split when no demand is known, remainder to the first by id', () => {
    expect(Object.fromEntries(waterFill(10, [d('c'), d('a'), d('b')]))).toEqual({ a: 4, b: 3, c: 3 });
    expect(Object.fromEntries(waterFill(10, [d('a', 9), d('b', 9), d('c', 9)]))).toEqual({ a: 4, b: 3, c: 3 });
  });

  it('leaves out what nobody wants; splitBudget hands it out evenly as headroom', () => {
    expect(Object.fromEntries(waterFill(10, [d('a', 2), d('b', 3)]))).toEqual({ a: 2, b: 3 });
    const a = splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 2, peers: [peer('b', IDLE, TEN, 3)] });
    const b = splitBudget({ leaseId: 'b', budget: TEN, usage: IDLE, wants: 3, peers: [peer('a', IDLE, TEN, 2)] });
    expect([a.caps.maxInFlight, b.caps.maxInFlight]).toEqual([5, 5]);
    expect(splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 0, peers: [] }).caps).toEqual(TEN); // alone: all of it
  });

  it('gives each process of the benchmark its split by demand, and requests per window still evenly', () => {
    const peers = (self: string) =>
      [peer('items', IDLE, TEN, 2), peer('customers', IDLE, TEN, 5), peer('invoices', IDLE, TEN)].filter((p) => p.leaseId !== self);
    const caps = (self: string, wants?: number) => splitBudget({ leaseId: self, budget: TEN, usage: IDLE, wants, peers: peers(self) }).caps;
    expect(caps('items', 2)).toEqual({ maxInFlight: 2, requestsPerWindow: 166 });
    expect(caps('customers', 5)).toEqual({ maxInFlight: 4, requestsPerWindow: 167 });
    expect(caps('invoices')).toEqual({ maxInFlight: 4, requestsPerWindow: 167 });
  });

  it('gives a lease wanting nothing no slot while another wants them, and one again once it publishes a demand', () => {
    const busy = peer('b', { maxInFlight: 10, requestsPerWindow: 100 }, TEN);
    expect(splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 0, peers: [busy] }).caps.maxInFlight).toBe(0);
    // It wants 1 again: its share is 1, but b still reserves all 10 until it renews and comes down to 9.
    const wanting = splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 1, peers: [busy] });
    expect(wanting.shares.get('a')).toBe(1);
    expect(wanting.caps.maxInFlight).toBe(0);
    expect(splitBudget({ leaseId: 'b', budget: TEN, usage: IDLE, peers: [peer('a', IDLE, TEN, 1)] }).caps.maxInFlight).toBe(9);
    expect(splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 1, peers: [peer('b', { maxInFlight: 9, requestsPerWindow: 100 }, TEN)] }).caps.maxInFlight).toBe(1);
  });

  it('still gives no more than the others left unreserved when a peer is above its share', () => {
    // b's share by demand is 3 (a wants 7), but it still has 6 in flight: a gets 4, not 7.
    const split = splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 7, peers: [peer('b', { maxInFlight: 6, requestsPerWindow: 0 }, TEN, 3)] });
    expect(split.shares.get('a')).toBe(7);
    expect(split.caps.maxInFlight).toBe(4);
  });

  it('gives a released lease no share, whatever it wanted, but subtracts what it reserves', () => {
    const released: PeerLease = { ...peer('r', { maxInFlight: 2, requestsPerWindow: 0 }, TEN, 8), released: true };
    const split = splitBudget({ leaseId: 'a', budget: TEN, usage: IDLE, wants: 3, peers: [released, peer('b', IDLE, TEN)] });
    expect(split.shares).toEqual(new Map([['a', 3], ['b', 7]]));
    expect(split.caps.maxInFlight).toBe(3);
    expect(splitBudget({ leaseId: 'b', budget: TEN, usage: IDLE, peers: [released, peer('a', { maxInFlight: 3, requestsPerWindow: 0 }, TEN, 3)] }).caps.maxInFlight).toBe(5); // 10 - 3 - 2 reserved by r
  });

  it('never lets the caps of processes with changing demands add up past the budget', () => {
    const ids = ['p1', 'p2', 'p3'];
    const board = new Map<string, PeerLease>();
    const usage = new Map(ids.map((id) => [id, { maxInFlight: 0, requestsPerWindow: 0 }]));
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 0; round < 300; round += 1) {
      const id = ids[round % 3]!;
      const peers = [...board.values()].filter((p) => p.leaseId !== id);
      const wants = random() < 0.2 ? undefined : Math.floor(random() * 12);
      const split = splitBudget({ leaseId: id, budget: TEN, usage: usage.get(id)!, wants, peers });
      board.set(id, { leaseId: id, budget: TEN, reserved: split.reserved, pausedUntil: 0, ...(wants !== undefined && { wantsInFlight: wants }) });
      // It then uses anything from nothing to all it may (in flight beyond its new caps only if already there).
      const used = Math.max(Math.min(usage.get(id)!.maxInFlight, split.reserved.maxInFlight), Math.floor(random() * (split.caps.maxInFlight + 1)));
      usage.set(id, { maxInFlight: used, requestsPerWindow: 0 });
      const total = [...board.values()].reduce((sum, p) => sum + p.reserved.maxInFlight, 0);
      expect(total).toBeLessThanOrEqual(TEN.maxInFlight);
      expect(used).toBeLessThanOrEqual(split.reserved.maxInFlight);
    }
  });
});
