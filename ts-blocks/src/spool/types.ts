/**
 * The spool: one NDJSON file per chunk, `<spoolDir>/<run_id>/<entity>/chunk-00012.ndjson`, written by the loader
 * and read by the exporter. A file is only ever seen complete: it is written under a temporary name, fsynced and
 * renamed. Layout, one JSON object per line:
 *   line 1      SpoolHeader   {"spool": "qbo-backfill/1", run_id, entity, realm_id, chunk_index, window, ...}
 *   lines 2..n  SpooledRow    {"page_number", "page_size", "request_payload", "record"}   (one QBO object each)
 *   last line   SpoolFooter   {"end": true, "rows", "pages", "source_count"}
 * Within one file every record Id appears once, in the latest version the chunk's scan saw.
 */
import type { Entity } from '../core/events';
import type { DateField } from '../core/types';

export const SPOOL_FORMAT = 'qbo-backfill/1' as const;

/** A QBO object exactly as received. `Id` is always present (a record without one is a DataError at read time). */
export interface QboRecord {
  readonly Id: string;
  readonly SyncToken?: string;
  readonly MetaData?: { readonly CreateTime?: string; readonly LastUpdatedTime?: string };
  readonly [field: string]: unknown;
}

/** What was sent to QBO for one page: enough to replay it, never a credential. */
export interface RequestPayload {
  readonly method: 'POST';
  /** `/v3/company/<realmId>/query` (the API base URL is configuration and not repeated here). */
  readonly path: string;
  readonly params: { readonly minorversion: number };
  /** The query statement sent as the request body. */
  readonly query: string;
}

/** One record line: what raw.qb_<entity> needs besides the chunk's window and run (see SpoolHeader). */
export interface SpooledRow {
  /** 1-based page number within the chunk's scan. */
  readonly page_number: number;
  /** MAXRESULTS requested for that page (1..1000). */
  readonly page_size: number;
  readonly request_payload: RequestPayload;
  readonly record: QboRecord;
}

/**
 * The start of a record line, up to the record: `{"page_number":…,"page_size":…,"request_payload":…,"record":`.
 * The writer puts the record after it and a closing `}`, which is what JSON.stringify gives for a SpooledRow with
 * its keys in that order; the reader finds the record's text after it.
 */
export function recordLineHead(pageNumber: number, pageSize: number, requestText: string): string {
  return `{"page_number":${JSON.stringify(pageNumber)},"page_size":${JSON.stringify(pageSize)},"request_payload":${requestText},"record":`;
}

export interface SpoolHeader {
  readonly spool: typeof SPOOL_FORMAT;
  readonly run_id: string;
  readonly entity: Entity;
  readonly realm_id: string;
  readonly chunk_index: number;
  /** ISO-8601 UTC, inclusive. */
  readonly window_start_utc: string;
  /** ISO-8601 UTC, exclusive. */
  readonly window_end_utc: string;
  readonly date_field: DateField;
  readonly created_at_utc: string;
}

export interface SpoolFooter {
  readonly end: true;
  /** Record lines in the file. */
  readonly rows: number;
  /** Data pages read for the chunk. */
  readonly pages: number;
  /** QBO COUNT(*) for the window when the scan finished (null when not captured). */
  readonly source_count: number | null;
}
