/**
 * The sandbox clock: the configured clock (`options.now`, the wall clock by default) moved by an offset, or frozen
 * at one instant. Tests set it to write a record at an exact moment (a window edge, inside a DST hour) and advance
 * it to let time pass; everything stamped or timed by the sandbox (MetaData, limits, tokens, live updates) reads it.
 */
import { ConfigError } from '../core/errors';
import { formatZoned, parseTimeLiteral } from './time';

export interface ClockState {
  /** The sandbox's now, in the company's zone with milliseconds. */
  readonly now: string;
  readonly epochMs: number;
  /** Frozen: stays at `epochMs` until set or advanced. */
  readonly frozen: boolean;
  /** How far the sandbox clock is ahead of the configured clock (ms; meaningful while not frozen). */
  readonly offsetMs: number;
}

/** A change to the clock; `set` and `offsetMs` are exclusive, `advanceMs` applies after either. */
export interface ClockChange {
  /** An instant: ISO text with an offset (`2024-03-10T02:30:00-08:00`, `…Z`) or epoch milliseconds. */
  readonly set?: string | number;
  /** Follow the configured clock again at this offset (ms). */
  readonly offsetMs?: number;
  readonly advanceMs?: number;
  /** Freeze (true) or let run (false); omitted: `set` freezes, anything else keeps the current mode. */
  readonly frozen?: boolean;
}

const KEYS = ['set', 'offsetMs', 'advanceMs', 'frozen'];

function bad(message: string): ConfigError {
  return new ConfigError(`Clock change: ${message}`, { code: 'SANDBOX_BAD_CLOCK' });
}

function instant(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.floor(value);
  const text = typeof value === 'string' ? value : '';
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text.trim())) {
    throw bad(`"set" must be epoch milliseconds or an ISO time with an offset, like 2024-03-10T02:30:00-08:00; got ${JSON.stringify(value)}`);
  }
  const parsed = parseTimeLiteral(text, 'UTC');
  if (!parsed) throw bad(`"set" is not a valid time: ${JSON.stringify(value)}`);
  return parsed.epochMs;
}

function finite(change: Record<string, unknown>, key: string): number | undefined {
  const v = change[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`"${key}" must be a number of milliseconds`);
  return Math.floor(v);
}

export class SandboxClock {
  private offset = 0;
  private frozenAt: number | undefined;

  constructor(private readonly base: () => number) {}

  now(): number {
    return this.frozenAt ?? this.base() + this.offset;
  }

  state(zone: string): ClockState {
    const epochMs = this.now();
    return { now: formatZoned(epochMs, zone, true), epochMs, frozen: this.frozenAt !== undefined, offsetMs: epochMs - this.base() };
  }

  /** Applies a validated change (unknown keys and bad values are refused before anything changes). */
  change(input: Record<string, unknown>): void {
    const unknown = Object.keys(input).filter((k) => !KEYS.includes(k));
    if (unknown.length > 0) throw bad(`unknown key(s) ${unknown.join(', ')}; known: ${KEYS.join(', ')}`);
    if (input.set !== undefined && input.offsetMs !== undefined) throw bad('give "set" or "offsetMs", not both');
    if (input.frozen !== undefined && typeof input.frozen !== 'boolean') throw bad('"frozen" must be true or false');
    const at = input.set === undefined ? undefined : instant(input.set);
    const offsetMs = finite(input, 'offsetMs');
    const advance = finite(input, 'advanceMs') ?? 0;
    let target = at ?? (offsetMs !== undefined ? this.base() + offsetMs : this.now());
    target += advance;
    const freeze = (input.frozen as boolean | undefined) ?? (at !== undefined ? true : offsetMs !== undefined ? false : this.frozenAt !== undefined);
    this.frozenAt = freeze ? target : undefined;
    this.offset = target - this.base();
  }
}
