import type { EntityDefinition, DateFieldMapping } from '../entities/types';
import type { CallMetrics } from '../http/call-context';
import type { QboClient } from '../http/qbo-client';
import type { QboRecord, RequestPayload } from '../spool/types';

/** One page read from QBO, with the records not already delivered by this scan. */
export interface ScannedPage {
  /** 1-based number of the page within the window's scan (every data page counts, empty ones too). */
  readonly pageNumber: number;
  /** MAXRESULTS requested. */
  readonly pageSize: number;
  readonly request: RequestPayload;
  readonly records: readonly QboRecord[];
}

export interface WindowScanOptions {
  readonly client: QboClient;
  readonly entity: EntityDefinition;
  readonly dateField: DateFieldMapping;
  /** Inclusive. */
  readonly windowStart: Date;
  /** Exclusive. */
  readonly windowEnd: Date;
  readonly pageSize: number;
  readonly metrics: ScanMetrics;
  readonly signal?: AbortSignal;
  /** Passes over one over-full tie value before giving up (see tie-scan.ts). */
  readonly maxTiePasses?: number;
}

export interface ScanMetrics extends CallMetrics {
  pages_read: number;
}

export function emptyScanMetrics(): ScanMetrics {
  return { pages_read: 0, api_calls: 0, retries: 0, throttled: 0 };
}

export const DEFAULT_MAX_TIE_PASSES = 5;
