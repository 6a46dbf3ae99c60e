/**
 * The scheduler step of scripts/compose-e2e.sh: through the REST API of the Compose deployment's Mage, arms one
 * pipeline's one-time trigger (start time a minute ago, the given window), waits for the scheduler's run, and
 * checks the run completed and the trigger ended inactive in Mage's database and in its triggers.yaml.
 *
 *   npx tsx scripts/compose-e2e-scheduler.ts <mage url> <project dir> <entity> <fecha_inicio> <fecha_fin>
 *
 * The owner's password is read from the file QBO_MAGE_OWNER_PASSWORD_FILE names (docker/secrets/mage_owner_password),
 * never from the command line. Prints one line per step; exits 1 with the reason when a check fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { enableSchedule, getSchedule, mageUtc, waitForFinishedRun, waitForSchedule } from '../ts-blocks/src/demo/mage-api';
import { MageClient, pollUntil } from '../ts-blocks/src/demo/mage-client';

const RUN_TIMEOUT_MS = 10 * 60_000;

function yamlStatus(projectDir: string, pipeline: string, trigger: string): string | undefined {
  const file = join(projectDir, 'mage_project', 'pipelines', pipeline, 'triggers.yaml');
  const doc = load(readFileSync(file, 'utf8')) as { triggers?: { name: string; status: string }[] };
  return doc.triggers?.find((t) => t.name === trigger)?.status;
}

async function main(argv: string[]): Promise<void> {
  const [url, projectDir, entity, from, to] = argv;
  const passwordFile = process.env.QBO_MAGE_OWNER_PASSWORD_FILE;
  if (!url || !projectDir || !entity || !from || !to || !passwordFile) {
    throw new Error('usage: QBO_MAGE_OWNER_PASSWORD_FILE=<file> compose-e2e-scheduler.ts <mage url> <project dir> <entity> <from> <to>');
  }
  const pipeline = `qb_${entity}_backfill`;
  const trigger = `${entity}_backfill_once`;
  const mage = new MageClient(url, { password: readFileSync(passwordFile, 'utf8').trim() });
  await pollUntil('the owner to sign in to Mage', async () => ((await mage.login()) ? true : undefined), 120_000, 1000);
  const schedule = await waitForSchedule(mage, pipeline, trigger, 120_000);
  if (schedule.status !== 'inactive') throw new Error(`${trigger} is ${schedule.status} before it is armed (shipped inactive)`);
  await enableSchedule(mage, schedule.id, { start_time: mageUtc(new Date(Date.now() - 60_000)), variables: { fecha_inicio: from, fecha_fin: to } });
  console.log(`armed ${trigger} through Mage's API`);
  const run = await waitForFinishedRun(mage, schedule.id, 1, RUN_TIMEOUT_MS);
  if (run.status !== 'completed') throw new Error(`the scheduler's run ${run.id} of ${pipeline} ended ${run.status}`);
  console.log(`scheduler ran ${pipeline}: run ${run.id} ${run.status}`);
  await pollUntil(`${trigger} to end inactive`, async () => ((await getSchedule(mage, schedule.id)).status === 'inactive' ? true : undefined), 60_000, 1000);
  const inYaml = yamlStatus(projectDir, pipeline, trigger);
  if (inYaml !== 'inactive') throw new Error(`${trigger} is inactive in Mage's database but ${String(inYaml)} in triggers.yaml`);
  console.log(`${trigger} ended inactive (Mage's database and triggers.yaml)`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`compose-e2e-scheduler: ${(e as Error).message}`);
  process.exit(1);
});
