/**
 * The benchmark's figures: what one entity's backfill cost (requests, time, memory) next to its two ceilings,
 * and the same for the whole run. Pure functions over measured inputs, so they are tested without a run.
 */
import type { Entity } from '../core/events';

export interface RequestCounts {
  readonly data: number;
  readonly count: number;
  readonly token: number;
  /** 429 responses the sandbox sent. */
  readonly throttled: number;
}

export interface PeakRss {
  readonly loaderKb: number | null;
  readonly exporterKb: number | null;
  readonly validatorKb: number | null;
}

/** CPU time used during the backfill, ms: by each block process, and by the bench process (the sandbox). */
export interface CpuTime {
  readonly loaderMs: number | null;
  readonly exporterMs: number | null;
  readonly sandboxMs: number;
}

/** What was measured for one entity (the inputs of its figures). */
export interface EntityMeasure {
  readonly entity: Entity;
  /** Rows the sandbox holds for this entity (inactive included). */
  readonly sourceRows: number;
  /** Rows the backfill landed in raw.qb_<entity>. */
  readonly loadedRows: number;
  readonly requests: RequestCounts;
  /** Requests the validator sent (reported apart: validation is not part of the backfill's cost). */
  readonly validatorRequests: RequestCounts | null;
  readonly loaderMs: number;
  readonly exporterMs: number;
  readonly validatorMs: number | null;
  readonly validationOk: boolean | null;
  /** Where the validator's time went (its summary's timings_ms: each check, validation, report, block), ms. */
  readonly validatorTimings: Readonly<Record<string, number>> | null;
  readonly peakRss: PeakRss;
  readonly cpu: CpuTime;
  readonly minRequests: number;
  readonly apiFloorMs: number;
  readonly dbFloorMs: number;
}

export interface Figures {
  readonly rows: number;
  readonly sourceRows: number;
  readonly requests: RequestCounts & { readonly total: number; readonly min: number; readonly overMin: number };
  readonly throttled: number;
  /** Loader + exporter + validator: the pipeline a user waits for (together: first block start to last validator end). */
  readonly wallMs: number;
  readonly loaderMs: number;
  readonly exporterMs: number;
  readonly rowsPerSec: number;
  readonly peakRss: PeakRss;
  readonly cpu: CpuTime;
  readonly apiFloorMs: number;
  readonly dbFloorMs: number;
  /** (API floor + DB floor) / wall time: 1 means the backfill ran at the ceiling. */
  readonly ratio: number;
  readonly validation: {
    readonly ms: number;
    readonly requests: RequestCounts;
    readonly ok: boolean;
    /** Per check (and report, block), summed over the entities, ms. */
    readonly timings: Readonly<Record<string, number>>;
  } | null;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const sumOrNull = (values: ReadonlyArray<number | null>): number | null =>
  values.some((v) => v === null) ? null : round(values.reduce<number>((a, v) => a + (v ?? 0), 0), 1);
const maxOrNull = (values: ReadonlyArray<number | null>): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
};

function sumCounts(list: readonly RequestCounts[]): RequestCounts {
  return list.reduce(
    (a, c) => ({ data: a.data + c.data, count: a.count + c.count, token: a.token + c.token, throttled: a.throttled + c.throttled }),
    { data: 0, count: 0, token: 0, throttled: 0 },
  );
}

function sumTimings(list: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of list) for (const [k, v] of Object.entries(t)) out[k] = round((out[k] ?? 0) + v, 1);
  return out;
}

/** Whole-run figures measured directly when the pipelines ran at once (sums would count overlapping time). */
export interface Overall {
  readonly wallMs: number;
  readonly apiFloorMs: number;
  /** CPU of the bench process (the sandbox) over that wall time. */
  readonly sandboxMs: number;
}

function figuresOf(parts: readonly EntityMeasure[], overall?: Overall): Figures {
  const requests = sumCounts(parts.map((p) => p.requests));
  const total = requests.data + requests.count + requests.token;
  const min = parts.reduce((a, p) => a + p.minRequests, 0);
  const loaderMs = parts.reduce((a, p) => a + p.loaderMs, 0);
  const exporterMs = parts.reduce((a, p) => a + p.exporterMs, 0);
  const validatorMs = parts.reduce((a, p) => a + (p.validatorMs ?? 0), 0);
  const wallMs = overall?.wallMs ?? loaderMs + exporterMs + validatorMs;
  const rows = parts.reduce((a, p) => a + p.loadedRows, 0);
  const apiFloorMs = overall?.apiFloorMs ?? parts.reduce((a, p) => a + p.apiFloorMs, 0);
  const dbFloorMs = parts.reduce((a, p) => a + p.dbFloorMs, 0);
  const validated = parts.every((p) => p.validatorMs !== null && p.validatorRequests !== null);
  return {
    rows,
    sourceRows: parts.reduce((a, p) => a + p.sourceRows, 0),
    requests: { ...requests, total, min, overMin: min === 0 ? 0 : round(total / min - 1) },
    throttled: requests.throttled,
    wallMs: round(wallMs, 1),
    loaderMs: round(loaderMs, 1),
    exporterMs: round(exporterMs, 1),
    rowsPerSec: wallMs > 0 ? Math.round((rows * 1000) / wallMs) : 0,
    peakRss: {
      loaderKb: maxOrNull(parts.map((p) => p.peakRss.loaderKb)),
      exporterKb: maxOrNull(parts.map((p) => p.peakRss.exporterKb)),
      validatorKb: maxOrNull(parts.map((p) => p.peakRss.validatorKb)),
    },
    cpu: {
      loaderMs: sumOrNull(parts.map((p) => p.cpu.loaderMs)),
      exporterMs: sumOrNull(parts.map((p) => p.cpu.exporterMs)),
      sandboxMs: round(overall?.sandboxMs ?? parts.reduce((a, p) => a + p.cpu.sandboxMs, 0), 1),
    },
    apiFloorMs: round(apiFloorMs, 1),
    dbFloorMs: round(dbFloorMs, 1),
    ratio: wallMs > 0 ? round((apiFloorMs + dbFloorMs) / wallMs) : 0,
    validation: validated
      ? {
          ms: round(validatorMs, 1),
          requests: sumCounts(parts.map((p) => p.validatorRequests!)),
          ok: parts.every((p) => p.validationOk === true),
          timings: sumTimings(parts.map((p) => p.validatorTimings ?? {})),
        }
      : null,
  };
}

export function entityFigures(measure: EntityMeasure): Figures {
  return figuresOf([measure]);
}

/** The whole run; `overall` when the pipelines ran at once (then loader and exporter times are sums of overlapping spans). */
export function totalFigures(measures: readonly EntityMeasure[], overall?: Overall): Figures {
  return figuresOf(measures, overall);
}
