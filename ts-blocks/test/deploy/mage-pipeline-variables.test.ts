/**
 * Mage's "Run@once" (the pipeline's Triggers page) starts with the pipeline's default variables (metadata.yaml);
 * the shipped one-time trigger runs with its own (triggers.yaml). They are the same values, so a run started
 * either way backfills the same window in the same chunks.
 */
import { readdirSync } from 'node:fs';
import { loadYaml, repoPath } from './repo-files';

interface Trigger { name: string; schedule_interval: string; variables?: Record<string, unknown> }

const PIPELINES = readdirSync(repoPath('mage_project/pipelines'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== '__pycache__')
  .map((d) => d.name);

test('there are the three backfill pipelines', () => {
  expect(PIPELINES.sort()).toEqual(['qb_customers_backfill', 'qb_invoices_backfill', 'qb_items_backfill']);
});

test.each(PIPELINES)('%s: its default variables equal its shipped one-time trigger\'s', (pipeline) => {
  const defaults = (loadYaml(`mage_project/pipelines/${pipeline}/metadata.yaml`) as { variables: Record<string, unknown> }).variables;
  const triggers = (loadYaml(`mage_project/pipelines/${pipeline}/triggers.yaml`) as { triggers: Trigger[] }).triggers;
  const once = triggers.filter((t) => t.schedule_interval === '@once');
  expect(once).toHaveLength(1);
  expect(once[0]!.variables).toEqual(defaults);
  expect(Object.keys(defaults).sort()).toEqual(['chunk_days', 'date_field', 'fecha_fin', 'fecha_inicio', 'force', 'page_size', 'resume']);
});
