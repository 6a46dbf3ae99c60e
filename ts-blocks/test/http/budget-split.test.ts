import { splitBudget, type PeerLease } from '../../src/http/budget-split';

const BUDGET = { maxInFlight: 8, requestsPerWindow: 450 };
const IDLE = { maxInFlight: 0, requestsPerWindow: 0 };

function peer(leaseId: string, reserved: { maxInFlight: number; requestsPerWindow: number }, budget = BUDGET): PeerLease {
  return { leaseId, budget, reserved, pausedUntil: 0 };
}

describe('splitting the realm budget between leases', () => {
  it('gives a process alone the whole budget', () => {
    const split = splitBudget({ leaseId: 'b', budget: BUDGET, usage: IDLE, peers: [] });
    expect(split).toEqual({ caps: BUDGET, reserved: BUDGET, realm: BUDGET, leases: 1 });
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
