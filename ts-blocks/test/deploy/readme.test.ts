/**
 * The README a newcomer follows: the sections the assignment requires, links that resolve, a secrets table that
 * names exactly the secrets the code reads, and the acceptance checklist with proof behind every item.
 */
import { markdownSection, readRepoFile, repoFileExists } from './repo-files';

/** Section 11 of the assignment, verbatim (without the checkbox). */
const CHECKLIST = [
  'Mage y Postgres se comunican por **nombre de servicio**.',
  '**Todos** los secretos (QBO y Postgres) están en **Mage Secrets**; no hay secretos en el repo/entorno expuesto.',
  'Pipelines **qb_<entidad>_backfill** acepta **fecha_inicio** y **fecha_fin** (UTC) y segmenta el rango.',
  '**Trigger one-time** configurado, ejecutado y luego **deshabilitado**/marcado como completado.',
  'Esquema **raw** con tablas por entidad, **payload completo** y **metadatos** obligatorios.',
  '**Idempotencia** verificada: reejecución de un tramo no genera duplicados.',
  '**Paginación** y **rate limits** manejados y documentados.',
  '**Volumetría** y validaciones mínimas registradas y archivadas como evidencia.',
  'Runbook de reanudación y reintentos disponible y seguido.',
];

const readme = readRepoFile('README.md');

/** Relative link targets of a Markdown text, without their #anchors. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'))
    .map((t) => decodeURI(t.split('#')[0]));
}

/** Checklist entries: the text after `- [x]` and the lines that follow until the next entry. */
function checklistItems(section: string): Array<{ text: string; body: string }> {
  return section
    .split(/\n(?=- \[[ x]\] )/)
    .filter((chunk) => chunk.startsWith('- ['))
    // `\<` keeps GitHub from reading `<entidad>` as an HTML tag; the text itself is the assignment's
    .map((chunk) => ({ text: chunk.split('\n')[0].replace(/^- \[[ x]\] /, '').replace(/\\([<>])/g, '$1'), body: chunk }));
}

describe('README.md', () => {
  it('has every section the assignment asks for', () => {
    const headings = readme.split('\n').filter((l) => l.startsWith('## '));
    for (const h of ['## Architecture', '## Set-up', '## Secrets management', '## Troubleshooting', '## Acceptance checklist']) {
      expect(headings).toContain(h);
    }
    expect(markdownSection(readme, '## Architecture')).toMatch(/```mermaid\n(flowchart|graph) /);
  });

  it('links only to files that exist', () => {
    const links = relativeLinks(readme);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((p) => !repoFileExists(p))).toEqual([]);
  });

  it('links only to headings that exist (GitHub anchors)', () => {
    const slugs = new Set(
      readme
        .split('\n')
        .filter((l) => /^#{1,6} /.test(l))
        .map((l) => l.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')),
    );
    const anchors = [...readme.matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]);
    expect(anchors.length).toBeGreaterThan(0);
    expect(anchors.filter((a) => !slugs.has(a))).toEqual([]);
  });

  it('lists in the secrets table exactly the Mage Secrets the pipelines read, with purpose, rotation and owner', () => {
    const code = readRepoFile('mage_project/utils/mage_secrets.py');
    const tuples = [...code.matchAll(/^(?:REQUIRED|OPTIONAL)_SECRETS = \(([^)]*)\)/gm)].map((m) => m[1]).join(',');
    const names = [...tuples.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['QBO_REFRESH_TOKEN', 'PG_PASSWORD']));
    const section = markdownSection(readme, '## Secrets management');
    expect(section).toMatch(/\| Name \| Purpose \| Rotation \| Owner \|/);
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \|(.*)\|$/gm)].map((m) => ({ name: m[1], cells: m[2].split(' | ') }));
    expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
    for (const r of rows) expect(r.cells.filter((c) => c.trim() !== '')).toHaveLength(3);
  });

  it('carries the acceptance checklist of the assignment, every item marked and linked to existing proof', () => {
    const items = checklistItems(markdownSection(readme, '## Acceptance checklist'));
    expect(items.map((i) => i.text)).toEqual(CHECKLIST);
    for (const item of items) {
      expect(item.body.startsWith('- [x] ')).toBe(true);
      const links = relativeLinks(item.body);
      expect(links.length).toBeGreaterThan(0);
      expect(links.filter((p) => !repoFileExists(p))).toEqual([]);
    }
  });
});
