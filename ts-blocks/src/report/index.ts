/** Run reports: Markdown, JSON, self-contained HTML (Chart.js inlined) and a text summary, under evidencias/<entity>/. */
export { buildRunReport, REPORT_FORMAT, type RunReport, type ChunkReportRow, type ReportTotals } from './model';
export { renderMarkdown } from './markdown';
export { renderHtml, chartData } from './html';
export { summaryLines, headline, chunkTable, validationTable } from './summary-table';
export { writeReports, evidenceDir, DEFAULT_EVIDENCE_DIR, type ReportPaths, type WriteReportsOptions } from './write';
export { report, reportRun, type ReportSelection, type ReportOutcome } from './command';
