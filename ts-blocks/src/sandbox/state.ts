/** Everything one running sandbox holds: the company, tokens, limits, fault settings, counters. */
import { SandboxClock } from './clock';
import { Company } from './generator/company';
import { FaultInjector } from './faults';
import { LiveUpdater } from './live';
import { RealmLimiter } from './limits';
import { applyMutation, type MutationResult, type SandboxMutation } from './mutations';
import { TokenService } from './oauth';
import { validateFaults, type SandboxFaults, type SandboxOptions } from './options';
import { Rng, hash32 } from './random';
import { LoadMeter } from './load-meter';
import { StatsCollector, type SandboxStats } from './stats';

export class SandboxState {
  readonly company: Company;
  readonly realmId: string;
  readonly tokens: TokenService;
  readonly limiter = new RealmLimiter();
  readonly injector: FaultInjector;
  readonly live: LiveUpdater;
  readonly stats = new StatsCollector();
  /** Every QBO API request from arrival to answer, refused ones included (what QBO's limits count). */
  readonly load = new LoadMeter();
  readonly rng: Rng;
  readonly clock: SandboxClock;
  private current: SandboxFaults;

  constructor(readonly options: SandboxOptions) {
    this.clock = new SandboxClock(options.now);
    this.company = new Company(options);
    if (options.prerender) this.company.prerender();
    this.realmId = options.realmId ?? Company.realmIdFor(options.seed);
    this.current = pickFaults(options);
    this.tokens = new TokenService(this.realmId, () => this.clock.now(), () => this.current);
    this.injector = new FaultInjector(options.seed);
    this.live = new LiveUpdater(this.company, options.seed, this.clock.now());
    this.rng = new Rng(hash32(options.seed, 0x5eed));
  }

  get faults(): SandboxFaults {
    return this.current;
  }

  /** The sandbox clock (see clock.ts): the configured clock unless a test set or advanced it. */
  now(): number {
    return this.clock.now();
  }

  /** Merges a validated fault update; a new script restarts request numbering, a new rate the live schedule. */
  setFaults(update: Record<string, unknown>): SandboxFaults {
    const valid = validateFaults(update);
    this.tick();
    this.current = { ...this.current, ...valid };
    if (valid.script !== undefined) this.injector.restartScript();
    if (valid.liveUpdatesPerMin !== undefined) this.live.reset(this.now());
    return this.current;
  }

  /** Applies the live updates due by now. */
  tick(): void {
    this.stats.mutations += this.live.tick(this.now(), this.current.liveUpdatesPerMin).length;
  }

  mutate(m: SandboxMutation): MutationResult {
    this.tick();
    const result = applyMutation(this.company, m, this.now(), this.rng);
    this.stats.mutations++;
    return result;
  }

  statsSnapshot(): SandboxStats {
    return this.stats.snapshot({
      maxInFlight: this.limiter.maxInFlightSeen,
      inFlight: this.limiter.inFlight,
      tokenRefreshes: this.tokens.refreshes,
      peakConcurrent: this.load.peakOpen,
      peakPerMinute: this.load.peakPerMinute,
      openRequestMs: this.load.openRequestMs(),
    });
  }
}

function pickFaults(o: SandboxOptions): SandboxFaults {
  return {
    latencyMs: o.latencyMs,
    latencyJitterMs: o.latencyJitterMs,
    latencyPerRowMs: o.latencyPerRowMs,
    liveUpdatesPerMin: o.liveUpdatesPerMin,
    p429: o.p429,
    p500: o.p500,
    p503: o.p503,
    pReset: o.pReset,
    script: o.script,
    accessTokenTtlSec: o.accessTokenTtlSec,
    rotateRefreshToken: o.rotateRefreshToken,
    refreshGraceSec: o.refreshGraceSec,
    throttleFormat: o.throttleFormat,
    rateLimitPerMin: o.rateLimitPerMin,
    maxInFlight: o.maxInFlight,
    literalTimeZone: o.literalTimeZone,
  };
}
