/**
 * The few Mage REST calls the scheduled path needs: find a pipeline's trigger, arm it, run it again (Run@once),
 * follow its runs. Field names are Mage's (pipeline_schedules, pipeline_runs).
 */
import { pollUntil, type MageClient } from './mage-client';

export interface PipelineSchedule {
  id: number;
  name: string;
  pipeline_uuid: string;
  status: 'active' | 'inactive';
  schedule_interval: string;
  schedule_type: string;
  start_time: string | null;
  variables: Record<string, unknown> | null;
}

export interface PipelineRun {
  id: number;
  status: 'initial' | 'running' | 'completed' | 'failed' | 'cancelled';
  pipeline_schedule_id: number;
  pipeline_uuid: string;
  execution_partition?: string;
  variables: Record<string, unknown> | null;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export async function schedules(mage: MageClient, pipeline: string): Promise<PipelineSchedule[]> {
  const body = await mage.api<{ pipeline_schedules: PipelineSchedule[] }>('GET', `pipelines/${pipeline}/pipeline_schedules`);
  return body.pipeline_schedules;
}

/** The trigger named `name`, once Mage's scheduler has synced it from triggers.yaml (every tick). */
export function waitForSchedule(mage: MageClient, pipeline: string, name: string, timeoutMs = 60_000): Promise<PipelineSchedule> {
  return pollUntil(`trigger ${name} of ${pipeline}`, async () => (await schedules(mage, pipeline)).find((s) => s.name === name), timeoutMs);
}

export async function getSchedule(mage: MageClient, id: number): Promise<PipelineSchedule> {
  return (await mage.api<{ pipeline_schedule: PipelineSchedule }>('GET', `pipeline_schedules/${id}`)).pipeline_schedule;
}

/** Sets the trigger active (Mage writes this back to triggers.yaml), optionally with a new start time/variables. */
export async function enableSchedule(
  mage: MageClient,
  id: number,
  changes: { start_time?: string; variables?: Record<string, unknown> } = {},
): Promise<PipelineSchedule> {
  const body = await mage.api<{ pipeline_schedule: PipelineSchedule }>('PUT', `pipeline_schedules/${id}`, {
    pipeline_schedule: { status: 'active', ...changes },
  });
  return body.pipeline_schedule;
}

/**
 * What the "Run@once" button of a trigger's page in the Mage UI sends: a new run of the trigger with the trigger's
 * variables. Mage then sets a one-time trigger active again, so its scheduler starts the run (it starts runs of
 * active triggers only); the pipeline's last block sets it inactive once the run has succeeded.
 */
export async function runOnce(mage: MageClient, schedule: PipelineSchedule): Promise<PipelineRun> {
  const body = await mage.api<{ pipeline_run: PipelineRun }>('POST', `pipeline_schedules/${schedule.id}/pipeline_runs`, {
    pipeline_run: { pipeline_schedule_id: schedule.id, pipeline_uuid: schedule.pipeline_uuid, variables: schedule.variables ?? {} },
  });
  return body.pipeline_run;
}

export async function runsOf(mage: MageClient, scheduleId: number): Promise<PipelineRun[]> {
  const body = await mage.api<{ pipeline_runs: PipelineRun[] }>('GET', `pipeline_schedules/${scheduleId}/pipeline_runs?_limit=100`);
  return body.pipeline_runs;
}

/** Waits until the trigger has `count` finished runs; returns the newest. */
export function waitForFinishedRun(mage: MageClient, scheduleId: number, count: number, timeoutMs: number): Promise<PipelineRun> {
  return pollUntil(`run #${count} of trigger ${scheduleId} to finish`, async () => {
    const finished = (await runsOf(mage, scheduleId)).filter((r) => FINISHED.has(r.status));
    if (finished.length < count) return undefined;
    return finished.sort((a, b) => b.id - a.id)[0];
  }, timeoutMs, 1000);
}

/** A UTC timestamp in the form Mage stores start times in ("YYYY-MM-DD HH:MM:SS"). */
export function mageUtc(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
