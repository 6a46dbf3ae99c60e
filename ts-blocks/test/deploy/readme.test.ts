/**
 * The README a newcomer follows: a landing page with the sections the assignment requires, each leading to its
 * reference page under docs/; links and anchors that resolve in the README and in every docs page; a secrets table
 * that names exactly the secrets the code reads; and the acceptance checklist with proof behind every item.
 */
import { brokenLink, documentationFiles, headingAnchors, relativeLinks } from './markdown-links';
import { loadYaml, markdownSection, readRepoFile } from './repo-files';

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

/** The landing page's sections and the reference page each must link to. */
const SECTIONS: ReadonlyArray<readonly [string, string]> = [
  ['## Set-up', 'docs/setup.md'],
  ['## Set-up', 'docs/deployment.md'],
  ['## Secrets management', 'docs/secrets.md'],
  ['## Mage pipelines', 'docs/pipelines.md'],
  ['## One-time trigger', 'docs/trigger.md'],
  ['## The `raw` schema', 'docs/schema.md'],
  ['## Validations', 'docs/validation.md'],
  ['## Runbook', 'docs/runbook.md'],
  ['## Troubleshooting', 'docs/troubleshooting.md'],
];

/** Repository paths a Markdown text links to (files, without anchors). */
function linkedFiles(from: string, markdown: string): string[] {
  return relativeLinks(from, markdown).map((l) => l.path);
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
  it('is a landing page of at most 300 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('has every section the assignment asks for, each linking to its reference page under docs/', () => {
    const headings = readme.split('\n').filter((l) => l.startsWith('## '));
    for (const h of ['## Architecture', ...SECTIONS.map(([heading]) => heading), '## Acceptance checklist']) {
      expect(headings).toContain(h);
    }
    expect(markdownSection(readme, '## Architecture')).toMatch(/```mermaid\n(flowchart|graph) /);
    for (const [heading, page] of SECTIONS) {
      expect({ heading, links: linkedFiles('README.md', markdownSection(readme, heading)) }).toEqual({
        heading,
        links: expect.arrayContaining([page]),
      });
    }
  });

  it('lists, before the two commands, what they need: Node, Python, Chromium with the command that installs it, a container engine', () => {
    const top = readme.slice(0, readme.indexOf('```bash'));
    expect(top).toMatch(/Node 20/);
    expect(top).toMatch(/Python 3\.11/);
    // the tests look for /usr/bin/chromium (Debian's package) unless CHROMIUM_PATH says otherwise
    expect(readRepoFile('ts-blocks/test/report/html-render.test.ts')).toContain("process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'");
    expect(top).toMatch(/Chromium —\s+`sudo apt-get install -y chromium`[^`]*`CHROMIUM_PATH`/);
    // npm test ends with scripts/compose-e2e.sh, which needs Docker Engine + Compose v2 or podman
    expect(readRepoFile('package.json')).toContain('scripts/compose-e2e.sh');
    expect(top).toMatch(/Docker Engine with\s+Compose v2 or, as root, podman/);
  });

  it('leads a newcomer from the demo to the loaded rows and to a real company in at most ten steps', () => {
    const setup = readRepoFile('docs/setup.md');
    const steps = markdownSection(setup, '## Point it at a real QuickBooks company').split('\n').filter((l) => /^\d+\. /.test(l));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.length).toBeLessThanOrEqual(10);
    expect(steps[0]).toMatch(/Create the app/);
    expect(steps.join('\n')).toMatch(/compose-mage-secrets\.sh/);
    expect(readme).toMatch(/\]\(docs\/setup\.md#point-it-at-a-real-quickbooks-company\)/);
    expect(readme).toMatch(/npm run demo -- --keep/);
  });

  it('states the shipped one-time triggers as they are, in UTC and in America/Guayaquil (UTC-5)', () => {
    const section = markdownSection(readme, '## One-time trigger');
    const triggers = ['invoices', 'customers', 'items'].map((e) => {
      const file = loadYaml(`mage_project/pipelines/qb_${e}_backfill/triggers.yaml`) as {
        triggers: Array<{ schedule_interval: string; start_time: Date; status: string; variables: Record<string, string> }>;
      };
      return file.triggers.find((x) => x.schedule_interval === '@once')!;
    });
    for (const trigger of triggers) {
      const utc = trigger.start_time.toISOString().slice(0, 19).replace('T', ' ');
      const guayaquil = new Date(trigger.start_time.getTime() - 5 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
      const words = `\`start_time: ${utc}\` **UTC** = ${guayaquil} **America/Guayaquil**`;
      expect(section.replace(/\s+/g, ' ')).toContain(words);
      expect(section).toContain(`\`fecha_inicio: ${trigger.variables.fecha_inicio}\``);
      expect(section).toContain(`\`fecha_fin: ${trigger.variables.fecha_fin}\``);
      expect(section).toContain(`ships an **${trigger.status}** one-time trigger`);
    }
  });

  it('links to every page under docs/', () => {
    const linked = new Set(linkedFiles('README.md', readme));
    expect(documentationFiles().filter((p) => p !== 'README.md' && !linked.has(p))).toEqual([]);
  });

  it('links, in the README and every docs page, only to files and headings that exist (GitHub anchors)', () => {
    const links = documentationFiles().flatMap((f) => relativeLinks(f));
    expect(links.filter((l) => l.anchor !== undefined).length).toBeGreaterThan(0);
    expect(links.filter((l) => l.from.startsWith('docs/')).length).toBeGreaterThan(0);
    expect(links.map(brokenLink).filter(Boolean)).toEqual([]);
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
      const links = relativeLinks('README.md', item.body);
      expect(links.length).toBeGreaterThan(0);
      expect(links.map(brokenLink).filter(Boolean)).toEqual([]);
    }
  });
});

describe('the documentation link check', () => {
  it('reports a missing file, a missing heading, and a link leaving the repository', () => {
    const links = relativeLinks('docs/page.md', '[a](../README.md#no-such-heading) [b](missing.md) [c](../../x.md) [d](#secrets-management)');
    expect(links.map((l) => l.path)).toEqual(['README.md', 'docs/missing.md', '../x.md', 'docs/page.md']);
    expect(links.slice(0, 3).map(brokenLink)).toEqual([
      'docs/page.md: ../README.md#no-such-heading (no heading #no-such-heading in README.md)',
      'docs/page.md: missing.md (no file docs/missing.md)',
      'docs/page.md: ../../x.md (no file ../x.md)',
    ]);
    expect(brokenLink(relativeLinks('README.md', '[s](#secrets-management)')[0])).toBeUndefined();
  });

  it('reads anchors as GitHub makes them, repeated headings numbered, code blocks ignored', () => {
    const anchors = headingAnchors('# The `raw` and `ops` schemas\n## Loading: what happens\n## Loading: what happens\n```\n# not a heading\n```\n');
    expect([...anchors]).toEqual(['the-raw-and-ops-schemas', 'loading-what-happens', 'loading-what-happens-1']);
  });
});
