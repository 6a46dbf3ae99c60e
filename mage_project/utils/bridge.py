"""The one bridge between Mage blocks and the compiled TypeScript block entry points.

Every block of the three pipelines is `return run_block('<role>', '<entity>', *upstream, **kwargs)`. The bridge:
  1. reads the credentials from Mage Secrets (a missing one fails the block naming it);
  2. runs `node ts-blocks/dist/blocks/<role>.js` from the project root with one JSON document on stdin:
     {"vars": <run variables + entity>, "secrets": {...}, "upstream": <upstream block output>, "protocol": ...};
  3. logs each NDJSON event of the child into the block log (metrics as log tags);
  4. on `token_rotated`, stores the new refresh token in Mage Secrets at once, then acknowledges it on the child's
     stdin; the token is never logged;
  5. returns the child's `result` summary as the block output, or fails the block with the child's error message;
  6. after the last block (validator) of a scheduled run of a one-time trigger, disables that trigger in Mage's
     database and in triggers.yaml (see once_trigger.py);
  7. under Mage's scheduler, keeps the block's worker process alive one scheduler tick longer (see worker_hold.py:
     a race in mage-ai 0.9.80 could otherwise leave the next block queued for ever).
No business logic lives here: variables are validated, and everything else is decided, by the TypeScript side.
"""
from datetime import date, datetime
from typing import Any, Dict, Optional, Set, Tuple

from . import mage_secrets
from .block_process import BlockProcess
from .event_log import BlockLog
from .once_trigger import disable_one_time_trigger_after_success
from .worker_hold import hold_worker_after_block

# The run variables of SPEC §3, forwarded from the pipeline/trigger/run variables to the child, and the optional
# validation variables (idempotency_chunks, volumetry_*; see the README). The TypeScript side validates them all.
RUN_VARIABLES = ('fecha_inicio', 'fecha_fin', 'chunk_days', 'page_size', 'date_field', 'resume', 'force')
VALIDATION_VARIABLES = ('idempotency_chunks',)
VALIDATION_PREFIXES = ('volumetry_',)
LAST_ROLE = 'validator'
# Exit codes of the harness that a retry cannot fix: configuration (2), authentication (3), data (4).
_NOT_RETRIABLE_EXIT_CODES = {2, 3, 4}
_REDACTED = '[REDACTED]'
# (pipeline run, role, entity) -> message of a failure a retry cannot fix, for Mage's retries of the same block run.
_failed_for_good: Dict[Tuple[Any, str, str], str] = {}


class BlockFailed(Exception):
    """The entry point exited non-zero; the message is the child's own error message."""


class _Redactor:
    def __init__(self, values):
        self._values: Set[str] = {v for v in values if v and len(v) >= 4}

    def add(self, value: str) -> None:
        if value and len(value) >= 4:
            self._values.add(value)

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, _REDACTED)
        return text


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _origin_ref(kwargs: Dict[str, Any]) -> str:
    """Which Mage run started this (recorded in the run ledger, ops.backfill_runs.origin_ref)."""
    if kwargs.get('pipeline_run_id') is None:
        return 'mage run (headless)'
    return f"trigger {kwargs.get('trigger_name')}, pipeline run {kwargs['pipeline_run_id']}"


def run_variables(entity: str, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    names = [n for n in kwargs if n in RUN_VARIABLES or n in VALIDATION_VARIABLES or n.startswith(VALIDATION_PREFIXES)]
    variables = {name: _jsonable(kwargs[name]) for name in names}
    variables['entity'] = entity
    variables['origin_ref'] = _origin_ref(kwargs)
    return variables


def _upstream(upstream: Tuple[Any, ...]) -> Any:
    if not upstream:
        return None
    return upstream[0] if len(upstream) == 1 else list(upstream)


def _describe(role: str, entity: str, variables: Dict[str, Any]) -> str:
    shown = ', '.join(f'{k}={variables[k]}' for k in RUN_VARIABLES if k in variables)
    return f'{role} for {entity}' + (f' ({shown})' if shown else '')


def run_block(role: str, entity: str, *upstream: Any, **kwargs: Any) -> Dict[str, Any]:
    """Runs one block entry point as described above; returns its summary (a small dict)."""
    try:
        return _run_block(role, entity, *upstream, **kwargs)
    finally:
        hold_worker_after_block()


def _run_block(role: str, entity: str, *upstream: Any, **kwargs: Any) -> Dict[str, Any]:
    log = BlockLog(kwargs.get('logger'), _Redactor(()))
    run_key = (kwargs.get('pipeline_run_id'), role, entity)
    attempt = (kwargs.get('retry') or {}).get('attempts') or 1
    if attempt > 1 and run_key in _failed_for_good:
        message = f'Not retried (a retry cannot fix it): {_failed_for_good[run_key]}'
        log.write('error', message)
        raise BlockFailed(message)

    try:
        secrets = mage_secrets.read_block_secrets()
    except mage_secrets.MissingSecretsError as error:
        _failed_for_good[run_key] = str(error)
        log.write('error', str(error))
        raise BlockFailed(str(error)) from None
    redact = _Redactor(secrets.get(name) for name in mage_secrets.CREDENTIALS)
    log = BlockLog(kwargs.get('logger'), redact)
    variables = run_variables(entity, kwargs)
    summary = _run_child(role, entity, variables, secrets, _upstream(upstream), log, redact, run_key)

    if role == LAST_ROLE and kwargs.get('pipeline_run_id') is not None:
        disable_one_time_trigger_after_success(kwargs['pipeline_run_id'], log)
    return summary


def _run_child(role, entity, variables, secrets, upstream, log: BlockLog, redact: _Redactor, run_key) -> Dict:
    process = BlockProcess(role, on_stderr=lambda line: log.write('warning', f'[stderr] {line}'))
    log.write('info', f'Starting {_describe(role, entity, variables)}: node {process.entry_point.name}',
              {'secrets': sorted(secrets)})
    result: Optional[Dict[str, Any]] = None
    error: Optional[Dict[str, Any]] = None
    process.start({'vars': variables, 'secrets': secrets, 'upstream': upstream, 'protocol': {'ack_tokens': True}})
    try:
        for event in process.events():
            kind = event.get('type')
            if kind == 'token_rotated':
                _store_rotated_token(event, process, log, redact)
                continue
            if kind == 'text':
                log.write('info', f"[stdout] {event.get('text', '')}")
                continue
            if kind == 'result':
                result = event.get('summary') or {}
            elif kind == 'error':
                error = event.get('error') or {}
            log.event(event)
        code = process.wait()
    finally:
        log.flush()
        process.kill()
    if code == 0 and result is not None:
        return result
    message = _failure_message(role, entity, code, error, list(process.stderr_tail), redact)
    if code in _NOT_RETRIABLE_EXIT_CODES:
        _failed_for_good[run_key] = message
    log.write('error', message)
    raise BlockFailed(message)


def _store_rotated_token(event: Dict[str, Any], process: BlockProcess, log: BlockLog, redact: _Redactor) -> None:
    token = event.get('refresh_token')
    if not isinstance(token, str) or not token:
        log.write('error', 'The block reported a rotated refresh token without a value; not acknowledged.')
        process.close_input()
        return
    redact.add(token)
    try:
        mage_secrets.store_secret(mage_secrets.REFRESH_TOKEN, token)
    except Exception as error:
        log.write('error', f'Rotated refresh token NOT stored in Mage Secrets: {redact(str(error))}. '
                           'The block stops before its next request.')
        process.close_input()
        return
    log.write('info', f'Refresh token rotated by Intuit; stored in Mage Secrets ({mage_secrets.REFRESH_TOKEN}).')
    process.acknowledge_token()


def _failure_message(role, entity, code, error, stderr_tail, redact: _Redactor) -> str:
    if error:
        where = f"{error.get('kind', 'fatal')} error {error.get('code', 'ERROR')}"
        return redact(f"{role} for {entity} failed ({where}, exit code {code}): {error.get('message', '')}")
    detail = ' | '.join(stderr_tail[-5:]) if stderr_tail else 'no error event and no stderr output'
    return redact(f'{role} for {entity} failed (exit code {code}, no result): {detail}')
