/**
 * Injected failures for QBO API requests: a script ("request #N fails with …", counted from when the script was
 * set) first, then independent probabilities of 429, 500, 503 and connection reset. Seeded, so a run repeats.
 */
import type { SandboxFaults, ScriptedFaultKind } from './options';
import { Rng, hash32 } from './random';

export class FaultInjector {
  private count = 0;
  private scriptBase = 0;
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(hash32(seed, 0xfa017));
  }

  /** Restarts script numbering: the next request is #1. */
  restartScript(): void {
    this.scriptBase = this.count;
  }

  /** The fault for the next QBO API request, if any. */
  next(f: SandboxFaults): ScriptedFaultKind | undefined {
    this.count++;
    const n = this.count - this.scriptBase;
    const scripted = f.script.find((s) => s.request === n);
    if (scripted) return scripted.fault;
    const r = this.rng.next();
    let edge = f.p429;
    if (r < edge) return '429';
    if (r < (edge += f.p500)) return '500';
    if (r < (edge += f.p503)) return '503';
    if (r < (edge += f.pReset)) return 'reset';
    return undefined;
  }
}
