/** Opens after `threshold` consecutive failed chunks; any success closes the streak. */
export class CircuitBreaker {
  private consecutive = 0;

  constructor(readonly threshold: number) {}

  recordSuccess(): void {
    this.consecutive = 0;
  }

  /** Returns true when this failure opens the breaker. */
  recordFailure(): boolean {
    this.consecutive += 1;
    return this.isOpen;
  }

  get isOpen(): boolean {
    return this.consecutive >= this.threshold;
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }
}
