/** The `--faults` comparison as text: the profile, then the clean and the faulty run side by side. */
import type { FaultComparison, FaultRunSummary } from './fault-run';
import { pctOf } from './options';

const s = (ms: number) => (ms / 1000).toFixed(2);

function injected(r: FaultRunSummary): string {
  const kinds = Object.entries(r.injected).filter(([, n]) => n > 0);
  return kinds.length === 0 ? 'none' : kinds.map(([k, n]) => `${n} ${k}`).join(', ');
}

export function faultLines(f: FaultComparison): string[] {
  const p = f.profile;
  const row = (name: string, r: FaultRunSummary) =>
    `${name.padEnd(7)} ${s(r.wallMs).padStart(7)}  ${String(r.apiRequests).padStart(8)}  ${String(r.throttled).padStart(5)}  ` +
    `${String(r.rowsLost).padStart(9)}  ${String(r.load.peakConcurrent).padStart(9)}  ${String(r.load.peakPerMinute).padStart(10)}  ` +
    `${r.validationOk === null ? 'n/a' : r.validationOk ? 'passed' : 'FAILED'}  ${injected(r)}`;
  return [
    `faults injected: ${pctOf(p.p429)} 429 (no Retry-After), ${pctOf(p.p500)} 500, ${pctOf(p.p503)} 503, ${pctOf(p.pReset)} dropped connections; same data clean, then faulty`,
    'run      wall s  requests   429s  rows lost  in flight  per minute  validation  injected',
    row('clean', f.clean),
    row('faulty', f.faulty),
    `slowdown (faulty wall / clean wall): ${f.slowdown.toFixed(2)}x`,
  ];
}
