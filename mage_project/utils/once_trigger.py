"""Disabling a one-time (@once) trigger after its successful run, in Mage's database AND in triggers.yaml.

Mage's scheduler sets a finished @once trigger inactive in its database only. Its triggers.yaml keeps
`status: active`, and since the scheduler syncs triggers.yaml into the database on every tick (and at start-up),
a restarted Mage shows the trigger active again, and a fresh Mage database would run it a second time.

So the last block of a pipeline, once it has succeeded in a scheduled run, writes `status: inactive` for its
trigger into triggers.yaml (with Mage's own triggers-as-code functions, as Mage's API does) and then into the
database row. The YAML goes first: a scheduler tick that lands in between then reads `inactive` too.
"""
from typing import Any, Dict, List


def _yaml_configs_with_status_inactive(pipeline_uuid: str, name: str) -> List[Dict[str, Any]]:
    """The pipeline's trigger configs with `name` set inactive, or [] when the file needs no change."""
    from mage_ai.data_preparation.models.triggers import ScheduleStatus, load_triggers_file_data

    configs = load_triggers_file_data(pipeline_uuid).get('triggers') or []
    changed = False
    for config in configs:
        if config.get('name') == name and config.get('status') != ScheduleStatus.INACTIVE.value:
            config['status'] = ScheduleStatus.INACTIVE.value
            changed = True
    return configs if changed else []


def disable_one_time_trigger_after_success(pipeline_run_id: int, log) -> bool:
    """Returns True when the run belongs to a one-time time trigger (now inactive in the DB and the YAML)."""
    from mage_ai.data_preparation.models.triggers import (
        ScheduleInterval,
        ScheduleStatus,
        ScheduleType,
        update_triggers_for_pipeline_and_persist,
    )
    from mage_ai.orchestration.db.models.schedules import PipelineRun

    pipeline_run = PipelineRun.query.get(pipeline_run_id)
    schedule = pipeline_run.pipeline_schedule if pipeline_run is not None else None
    if schedule is None or schedule.schedule_type != ScheduleType.TIME or (
        schedule.schedule_interval != ScheduleInterval.ONCE
    ):
        return False

    configs = _yaml_configs_with_status_inactive(schedule.pipeline_uuid, schedule.name)
    if configs:
        update_triggers_for_pipeline_and_persist(configs, schedule.pipeline_uuid)
    if schedule.status != ScheduleStatus.INACTIVE:
        schedule.update(status=ScheduleStatus.INACTIVE)
    log.write(
        'info',
        f'One-time trigger {schedule.name!r} ran successfully: now inactive in Mage\'s database and in '
        f'pipelines/{schedule.pipeline_uuid}/triggers.yaml, so a restart does not re-arm it.',
        {'trigger_name': schedule.name, 'pipeline_schedule_id': schedule.id, 'yaml_updated': bool(configs)},
    )
    return True
