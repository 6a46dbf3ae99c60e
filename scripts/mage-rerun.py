#!/usr/bin/env python3
"""Runs a pipeline's one-time trigger again, with the trigger's own variables, and follows the run to its end.

  scripts/mage.sh rerun <pipeline> [--trigger NAME] [--no-wait]                 local (start Mage first)
  docker compose exec mage python scripts/mage-rerun.py <pipeline> [...]        Compose

It does what the "Run@once" button of the trigger's page in the Mage UI does (POST
/api/pipeline_schedules/<id>/pipeline_runs): a new pipeline run of the trigger, carrying the trigger's variables,
and the trigger set active in Mage's database, because Mage's scheduler starts runs of active triggers only. The
running Mage's scheduler picks the run up at its next tick; the pipeline's last block sets the trigger inactive
again (database and triggers.yaml) once the run has succeeded. Re-enabling the trigger alone starts nothing: for a
one-time trigger the scheduler only creates a run while the trigger has none (see docs/trigger.md).

No login is needed: like the secrets tool, it works on Mage's database under $MAGE_DATA_DIR directly.
Exit codes: 0 the run completed; 1 it failed or was cancelled; 2 bad arguments or state (nothing started);
3 no scheduler picked the run up in time (it stays queued and starts when Mage runs); 4 a scheduler took the run but
started none of its blocks in that time (Mage stalled: cancel the run, then re-run).
"""
import argparse
import os
import sys
import time
from typing import Any, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from mage_project.utils import mage_secrets  # noqa: E402

FINISHED = ('completed', 'failed', 'cancelled')
POLL_SECONDS = 2.0


class RerunError(Exception):
    """Nothing was started; the message says why and what to do."""


def _parse(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='scripts/mage.sh rerun', description=__doc__.split('\n\n')[0])
    parser.add_argument('pipeline', help='e.g. qb_items_backfill')
    parser.add_argument('--trigger', help='the one-time trigger to run (needed when the pipeline has several)')
    parser.add_argument('--no-wait', action='store_true', help='start the run and return without following it')
    parser.add_argument('--pickup-timeout', type=float, default=120.0, metavar='SECONDS',
                        help='give up waiting when no scheduler has started the run after this long (default 120)')
    return parser.parse_args(argv)


def _one_time_trigger(pipeline: str, name: Optional[str]):
    from mage_ai.data_preparation.models.triggers import ScheduleInterval, ScheduleType, get_triggers_by_pipeline
    from mage_ai.orchestration.db.models.schedules import PipelineSchedule

    once = [t for t in get_triggers_by_pipeline(pipeline)
            if t.schedule_type == ScheduleType.TIME and t.schedule_interval == ScheduleInterval.ONCE]
    chosen = [t for t in once if name is None or t.name == name]
    names = ', '.join(t.name for t in once) or 'none'
    if not chosen:
        raise RerunError(f'Pipeline {pipeline} has no one-time trigger named {name!r} in its triggers.yaml '
                         f'(one-time triggers: {names}).')
    if len(chosen) > 1:
        raise RerunError(f'Pipeline {pipeline} has several one-time triggers ({names}): choose one with --trigger.')

    def row():
        return PipelineSchedule.repo_query.filter(
            PipelineSchedule.pipeline_uuid == pipeline, PipelineSchedule.name == chosen[0].name).one_or_none()

    # Mage syncs triggers.yaml into its database at every scheduler tick; a data dir Mage never ran on has no row.
    schedule = row()
    if schedule is None:
        PipelineSchedule.create_or_update(chosen[0])
        schedule = row()
    return schedule


def _check_pipeline(project: str, pipeline: str) -> None:
    if not os.path.isfile(os.path.join(project, 'pipelines', pipeline, 'metadata.yaml')):
        known = sorted(d for d in os.listdir(os.path.join(project, 'pipelines'))
                       if os.path.isfile(os.path.join(project, 'pipelines', d, 'metadata.yaml')))
        raise RerunError(f'No pipeline {pipeline!r} in {project} (pipelines: {", ".join(known)}).')


def start_rerun(pipeline: str, trigger: Optional[str]):
    """Creates the run as Mage's API does for the trigger page's Run@once; returns (schedule, run)."""
    from mage_ai.data_preparation.models.pipeline import Pipeline
    from mage_ai.data_preparation.models.triggers import ScheduleStatus
    from mage_ai.orchestration.db.models.schedules import PipelineRun
    from mage_ai.orchestration.pipeline_scheduler_original import configure_pipeline_run_payload

    schedule = _one_time_trigger(pipeline, trigger)
    busy = [r for r in schedule.pipeline_runs if r.status in ('initial', 'running')]
    if busy:
        raise RerunError(f'Trigger {schedule.name} already has run {busy[0].id} {busy[0].status}: wait for it to '
                         'finish, or cancel it in the Mage UI (Pipelines > Runs), then re-run.')
    payload, _ = configure_pipeline_run_payload(
        schedule, Pipeline.get(pipeline).type, {'variables': dict(schedule.variables or {})})
    run = PipelineRun.create(create_block_runs=False, **payload)  # the scheduler creates them when it starts it
    if schedule.status != ScheduleStatus.ACTIVE:
        schedule.update(status=ScheduleStatus.ACTIVE)
    return schedule, run


def _snapshot(run_id: int) -> Dict[str, Any]:
    from mage_ai.orchestration.db import db_connection
    from mage_ai.orchestration.db.models.schedules import PipelineRun

    db_connection.session.expire_all()
    run = PipelineRun.query.filter(PipelineRun.id == run_id).one()
    blocks = {b.block_uuid: str(b.status.value if hasattr(b.status, 'value') else b.status) for b in run.block_runs}
    return {'status': str(run.status.value if hasattr(run.status, 'value') else run.status), 'blocks': blocks}


def follow(run_id: int, pickup_timeout: float, out=print, snapshot=None, clock=time.monotonic, sleep=time.sleep) -> str:
    """Prints each change of the run's and its blocks' status; returns the final status, 'not started' (no scheduler
    took the run within pickup_timeout) or 'stalled' (one took it but created none of its blocks in that time)."""
    snapshot = snapshot or _snapshot
    seen: Dict[str, str] = {}
    started_waiting = clock()
    while True:
        state = snapshot(run_id)
        for block, status in sorted(state['blocks'].items()):
            if seen.get(block) != status:
                out(f'  {block}: {status}')
                seen[block] = status
        if state['status'] in FINISHED:
            return state['status']
        if not state['blocks'] and clock() - started_waiting > pickup_timeout:
            return 'not started' if state['status'] == 'initial' else 'stalled'
        sleep(POLL_SECONDS)


def main(argv: List[str]) -> int:
    args = _parse(argv)
    project = os.getenv('QBO_MAGE_PROJECT') or os.path.join(ROOT, 'mage_project')
    try:
        _check_pipeline(project, args.pipeline)
        mage_secrets.open_project(project)
        schedule, run = start_rerun(args.pipeline, args.trigger)
    except RerunError as error:
        print(f'rerun: {error}', file=sys.stderr)
        return 2
    print(f'Pipeline run {run.id} of trigger {schedule.name} ({args.pipeline}) created with the trigger\'s '
          f'variables {dict(schedule.variables or {})}; Mage\'s scheduler starts it at its next tick.', flush=True)
    if args.no_wait:
        return 0
    final = follow(run.id, args.pickup_timeout, lambda line: print(line, flush=True))
    if final == 'not started':
        print(f'rerun: no Mage scheduler started run {run.id} within {args.pickup_timeout:g} s. Is Mage running on '
              'this data dir (scripts/mage.sh start, or the Compose service)? The run stays queued and starts '
              'when it does.', file=sys.stderr)
        return 3
    if final == 'stalled':
        print(f'rerun: Mage\'s scheduler took run {run.id} but started none of its blocks within '
              f'{args.pickup_timeout:g} s. Its log says why (in the Mage UI: Pipelines > {args.pipeline} > Runs > the run, or '
              f'scheduler.log under mage_data/mage_project/pipelines/{args.pipeline}/.logs/); cancel the run there, '
              'then re-run.', file=sys.stderr)
        return 4
    print(f'Pipeline run {run.id} {final}.')
    return 0 if final == 'completed' else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
