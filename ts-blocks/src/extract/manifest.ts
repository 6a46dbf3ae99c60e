/** What the loader block returns: small, enough for the exporter, the validator and the logs. */
import type { Entity } from '../core/events';
import type { DateField } from '../core/types';
import type { DeletionOutcome } from './deletions';

export type ManifestChunkStatus = 'extracted' | 'already_extracted' | 'already_loaded' | 'failed' | 'not_run';

export interface ManifestChunk {
  readonly chunk_index: number;
  readonly window_start_utc: string;
  readonly window_end_utc: string;
  readonly status: ManifestChunkStatus;
  readonly spool_path: string | null;
  /** Records in the spool file (null when not known: chunk loaded earlier, failed or not run). */
  readonly rows: number | null;
  readonly pages: number | null;
  /** QBO COUNT(*) for the window at extraction. */
  readonly source_count: number | null;
}

export interface ManifestTotals {
  readonly chunks: number;
  readonly extracted: number;
  readonly skipped: number;
  readonly failed: number;
  /** Records spooled by this run's extraction (chunks extracted now). */
  readonly rows: number;
  /** Pages requested (a page read once counts once, even when its rows fall in two windows). */
  readonly pages: number;
  readonly api_calls: number;
  readonly retries: number;
  readonly throttled: number;
  readonly duration_ms: number;
}

export interface ExtractManifest {
  readonly run_id: string;
  readonly resumed: boolean;
  readonly entity: Entity;
  readonly realm_id: string;
  readonly date_field: DateField;
  readonly range: { readonly start_utc: string; readonly end_utc: string; readonly chunk_days: number; readonly page_size: number };
  readonly spool_dir: string;
  readonly chunks: readonly ManifestChunk[];
  readonly totals: ManifestTotals;
  /** What the deletion detection found and cost (extract/deletions.ts), when it ran. */
  readonly deletions?: DeletionOutcome;
}
