/**
 * Writes a run's report files under `<evidenceDir>/<entity>/`:
 *   report.md, report.json, report.html, summary.txt   the latest run of the entity (overwritten)
 *   runs/<started>_<run id>.md                         one small Markdown per run, kept (history: first load, re-runs)
 * Files are written under a temporary name and renamed, so a reader never sees half a report.
 * Written as root (the Docker Compose `mage` container) into a folder someone else owns (the user who created the
 * bind-mounted folder on the host), the files and folders take that folder's owner, so they stay the user's.
 */
import { chownSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FatalError } from '../core/errors';
import { sanitize } from '../core/sanitize';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import type { RunReport } from './model';
import { summaryLines } from './summary-table';

/** `<repo>/evidencias` (this file lives at ts-blocks/{src,dist}/report/), unless QBO_EVIDENCE_DIR says otherwise. */
export const DEFAULT_EVIDENCE_DIR = resolve(__dirname, '..', '..', '..', 'evidencias');

export function evidenceDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.QBO_EVIDENCE_DIR ? resolve(env.QBO_EVIDENCE_DIR) : DEFAULT_EVIDENCE_DIR;
}

export interface ReportPaths {
  readonly dir: string;
  readonly markdown: string;
  readonly json: string;
  readonly html: string;
  readonly summary: string;
  readonly history: string;
}

export interface WriteReportsOptions {
  /** Root of the evidence folder (default: evidenceDir()). */
  readonly outDir?: string;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, 'utf8');
  renameSync(tmp, path);
}

/** Gives `paths` the owner of `root` when this process is root and `root` belongs to another user. */
function adoptOwner(root: string, paths: readonly string[]): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(root);
  if (uid === 0) return;
  for (const path of paths) chownSync(path, uid, gid);
}

function historyName(r: RunReport): string {
  const started = r.run.started_at_utc.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${started}_${r.run.run_id}.md`;
}

export function writeReports(report: RunReport, options: WriteReportsOptions = {}): ReportPaths {
  const root = options.outDir ?? evidenceDir();
  const dir = join(root, report.run.entity);
  const paths: ReportPaths = {
    dir,
    markdown: join(dir, 'report.md'),
    json: join(dir, 'report.json'),
    html: join(dir, 'report.html'),
    summary: join(dir, 'summary.txt'),
    history: join(dir, 'runs', historyName(report)),
  };
  try {
    mkdirSync(join(dir, 'runs'), { recursive: true });
    const markdown = sanitize(renderMarkdown(report));
    writeAtomic(paths.markdown, markdown);
    writeAtomic(paths.history, markdown);
    writeAtomic(paths.json, sanitize(`${JSON.stringify(report, null, 2)}\n`));
    writeAtomic(paths.html, sanitize(renderHtml(report)));
    writeAtomic(paths.summary, sanitize(`${summaryLines(report).join('\n')}\n`));
    adoptOwner(root, [dir, join(dir, 'runs'), paths.markdown, paths.history, paths.json, paths.html, paths.summary]);
  } catch (e) {
    throw new FatalError(`Could not write the report of run ${report.run.run_id} into ${dir}: ${(e as Error).message}. ` +
      'Check that the directory is writable, or set QBO_EVIDENCE_DIR.', { code: 'REPORT_WRITE_FAILED', cause: e });
  }
  return paths;
}
