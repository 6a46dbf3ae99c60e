/**
 * `chunk_coverage`: the run's windows tile its range exactly — half-open, contiguous, no gap, no overlap — so every
 * record of the range belongs to exactly one window; and every chunk was loaded.
 */
import type { CheckResult, RunInfo } from '../types';

export const COVERAGE_CHECK = 'chunk_coverage';

const iso = (d: Date) => d.toISOString();

/** What keeps the run's windows from tiling its range exactly (empty: they tile it). */
export function tilingProblems(run: RunInfo): string[] {
  const problems: string[] = [];
  const chunks = [...run.chunks].sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime());
  if (chunks.length === 0) return ['the run has no chunks'];
  if (chunks[0].windowStart.getTime() !== run.rangeStart.getTime()) {
    problems.push(`first window starts at ${iso(chunks[0].windowStart)}, not at the range start ${iso(run.rangeStart)}`);
  }
  const last = chunks[chunks.length - 1];
  if (last.windowEnd.getTime() !== run.rangeEnd.getTime()) {
    problems.push(`last window ends at ${iso(last.windowEnd)}, not at the range end ${iso(run.rangeEnd)}`);
  }
  for (let i = 1; i < chunks.length; i += 1) {
    const prev = chunks[i - 1].windowEnd.getTime();
    const next = chunks[i].windowStart.getTime();
    if (next > prev) problems.push(`gap ${iso(chunks[i - 1].windowEnd)} → ${iso(chunks[i].windowStart)}`);
    if (next < prev) problems.push(`overlap of chunks ${chunks[i - 1].index} and ${chunks[i].index} at ${iso(chunks[i].windowStart)}`);
  }
  return problems;
}

export function checkCoverage(run: RunInfo): CheckResult[] {
  const problems = tilingProblems(run);
  const unloaded = run.chunks.filter((c) => c.status !== 'loaded').map((c) => ({ chunk: c.index, status: c.status }));
  const details = {
    range_start_utc: iso(run.rangeStart),
    range_end_utc: iso(run.rangeEnd),
    chunks: run.chunks.length,
    tiling_problems: problems,
    unloaded_chunks: unloaded,
  };
  if (problems.length > 0) {
    return [{
      check: COVERAGE_CHECK,
      severity: 'failure',
      message: `The run's windows do not tile [${iso(run.rangeStart)}, ${iso(run.rangeEnd)}): ${problems.slice(0, 3).join('; ')}. ` +
        'Records outside a window are missing or counted twice: start a new run with force.',
      details,
    }];
  }
  if (unloaded.length > 0) {
    return [{
      check: COVERAGE_CHECK,
      severity: 'failure',
      message: `${unloaded.length} of ${run.chunks.length} chunks are not loaded (first: chunk ${unloaded[0].chunk}, ${unloaded[0].status}). ` +
        'Resume the run with the same parameters (resume=true) to finish them.',
      details,
    }];
  }
  return [{
    check: COVERAGE_CHECK,
    severity: 'ok',
    message: `${run.chunks.length} contiguous half-open windows cover [${iso(run.rangeStart)}, ${iso(run.rangeEnd)}), all loaded.`,
    details,
  }];
}
