/**
 * Command-line flags of `npm run sandbox`: every option in kebab-case (`--latency-ms 250`, `--p-reset 0.01`,
 * `--rotate-refresh-token daily`). `--script` takes JSON (`[{"request":7,"fault":"500"}]`) or a short list
 * (`7:500,9:reset`).
 */
import { ConfigError } from '../core/errors';
import { DEFAULT_OPTIONS, type SandboxOptions, type ScriptedFault } from './options';

const STRING_KEYS = new Set(['host', 'historyStart', 'historyEnd', 'companyTimeZone', 'realmId', 'rotateRefreshToken', 'throttleFormat', 'literalTimeZone']);
const SETTABLE = [...Object.keys(DEFAULT_OPTIONS).filter((k) => k !== 'now' && k !== 'sleep'), 'realmId'];

export const kebab = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const FLAGS = new Map(SETTABLE.map((k) => [kebab(k), k]));

export function usage(): string {
  return `Usage: npm run sandbox -- --port <p> [--seed n] [--customers n] [--items n] [--invoices n] [--latency-ms n] [--live-updates-per-min n] …\nFlags: ${[...FLAGS.keys()].map((f) => `--${f}`).join(' ')}`;
}

function parseScript(text: string): ScriptedFault[] {
  if (text.trim().startsWith('[')) return JSON.parse(text) as ScriptedFault[];
  return text.split(',').map((step) => {
    const [request, fault] = step.split(':');
    return { request: Number(request), fault: fault as ScriptedFault['fault'] };
  });
}

function bad(message: string): never {
  throw new ConfigError(`${message}\n${usage()}`, { code: 'SANDBOX_USAGE' });
}

/** Parses argv (without node and script) into sandbox options; validation happens in startSandbox. */
export function parseArgs(argv: readonly string[]): Partial<SandboxOptions> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) bad(`Unexpected argument "${arg}"`);
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const key = FLAGS.get(flag) ?? bad(`Unknown flag --${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) bad(`Flag --${flag} needs a value`);
    if (key === 'script') {
      try {
        out.script = parseScript(value);
      } catch {
        bad(`--script must be JSON or a list like 7:500,9:reset (got ${value})`);
      }
    } else if (STRING_KEYS.has(key)) {
      out[key] = value;
    } else {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) bad(`Flag --${flag} needs a number (got ${value})`);
      out[key] = n;
    }
  }
  return out as Partial<SandboxOptions>;
}
