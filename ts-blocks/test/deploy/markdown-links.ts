/** The links of the repository's Markdown documentation, resolved the way GitHub renders them. */
import { readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { readRepoFile, repoFileExists, repoPath } from './repo-files';

/** The landing page and every reference page under docs/, as repository paths. */
export function documentationFiles(): string[] {
  const pages = readdirSync(repoPath('docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...pages];
}

/** GitHub's anchors for the headings of a Markdown text (a repeated heading gets -1, -2, …). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced || !/^#{1,6} /.test(line)) continue;
    const slug = line
      .replace(/^#+ /, '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

export interface MarkdownLink {
  /** The Markdown file holding the link. */
  readonly from: string;
  /** The link as written. */
  readonly target: string;
  /** The repository path it points to (the linking file itself for `#anchor`). */
  readonly path: string;
  readonly anchor?: string;
}

/** Relative links (`[text](target)`) of a Markdown file, outside code blocks; URLs with a scheme are left out. */
export function relativeLinks(from: string, markdown: string = readRepoFile(from)): MarkdownLink[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z]+:/i.test(t))
    .map((target) => {
      const [file, anchor] = target.split('#');
      const path = file === '' ? from : normalize(join(dirname(from), decodeURI(file)));
      return { from, target, path, anchor: anchor || undefined };
    });
}

/** Why a link is broken (its file is missing, or its anchor is not a heading there), or undefined when it resolves. */
export function brokenLink(link: MarkdownLink): string | undefined {
  if (link.path.startsWith('..') || !repoFileExists(link.path)) return `${link.from}: ${link.target} (no file ${link.path})`;
  if (link.anchor === undefined) return undefined;
  if (!link.path.endsWith('.md')) return `${link.from}: ${link.target} (an anchor into a file that is not Markdown)`;
  return headingAnchors(readRepoFile(link.path)).has(link.anchor)
    ? undefined
    : `${link.from}: ${link.target} (no heading #${link.anchor} in ${link.path})`;
}
