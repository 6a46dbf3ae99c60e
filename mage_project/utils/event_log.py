"""How a block's NDJSON events (ts-blocks/src/core/events.ts) look in Mage's block log.

Each event becomes one line: a readable message, plus its figures as log tags (Mage's DictLogger stores tags as
JSON fields of the log entry, so per-chunk metrics are searchable). `token_rotated` never comes here.
"""
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from .chunk_story import ChunkStory
from .log_figures import chunk_span, figures, is_number, number, window

LogLine = Tuple[str, str, Dict[str, Any]]  # (level: debug|info|warning|error, message, tags)

# Keyword names DictLogger keeps for itself; a tag with one of these names is renamed qbo_<name>.
_RESERVED_TAGS = frozenset({'message', 'error', 'log_level', 'method_name', 'level', 'timestamp', 'uuid'})
_LEVELS = {'debug': 'debug', 'info': 'info', 'warn': 'warning', 'warning': 'warning', 'error': 'error'}
_SEVERITY_LEVELS = {'ok': 'info', 'warning': 'warning', 'failure': 'error'}
_MAX_TEXT = 4000


def _safe_tags(tags: Dict[str, Any]) -> Dict[str, Any]:
    return {(f'qbo_{k}' if k in _RESERVED_TAGS else k): v for k, v in tags.items() if v is not None}


def _compact(value: Any) -> str:
    text = json.dumps(value, separators=(',', ':'), sort_keys=True, default=str)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + '...'


def _log(event: Dict[str, Any]) -> LogLine:
    tags = dict(event.get('tags') or {})
    tags.update(phase=event.get('phase'), entity=event.get('entity'), code=event.get('code'))
    level = _LEVELS.get(str(event.get('level')), 'info')
    return level, f"[{event.get('phase', 'run')}] {event.get('message', '')}", tags


def _pass_sentence(read_pass: Dict[str, Any]) -> str:
    span = chunk_span(read_pass.get('first_chunk', 0), read_pass.get('last_chunk', 0))
    return f'; pass of {span}: {figures(read_pass, skip=("first_chunk", "last_chunk"))}'


def _chunk(event: Dict[str, Any]) -> LogLine:
    """`[extract] invoices chunk 3/72 done: 120 rows, 2 pages, 1 API call, 0 retries, 0.4 s [2021-03-02, 2021-04-01)`:
    the figures first (Mage's log view cuts long messages), the window last; everything in the tags as well."""
    metrics = dict(event.get('metrics') or {})
    read_pass = event.get('pass') or {}
    status = event.get('status', '')
    index = event.get('chunk_index')
    position = index + 1 if isinstance(index, int) else index  # chunk_index is 0-based
    # A chunk read with others carries the pass's calls and time (booked on its first chunk) in the pass sentence.
    own = figures(metrics, skip=('api_calls', 'retries', 'throttled', 'duration_ms') if read_pass else ())
    message = (
        f"[{event.get('phase')}] {event.get('entity')} chunk {position}/{event.get('chunk_count')} {status}"
        + (f': {own}' if own else '') + (_pass_sentence(read_pass) if read_pass else '')
        + (f" ({event['reason']})" if event.get('reason') else '')
        + f" {window(event.get('window_start_utc'), event.get('window_end_utc'))}"
    )
    tags = {k: event.get(k) for k in ('phase', 'entity', 'run_id', 'chunk_index', 'chunk_count', 'window_start_utc',
                                       'window_end_utc', 'status', 'reason')}
    tags.update(metrics)
    tags.update({f'pass_{k}': v for k, v in read_pass.items()})
    return ('error' if status == 'failed' else 'info'), message, tags


def _retry(event: Dict[str, Any]) -> LogLine:
    status = f" status {event['status']}" if event.get('status') is not None else ''
    message = (
        f"[{event.get('phase')}] retry {event.get('attempt')} in {event.get('delay_ms')} ms after"
        f"{status} {event.get('code')}: {event.get('url')}"
    )
    tags = {k: event.get(k) for k in ('phase', 'attempt', 'delay_ms', 'status', 'code', 'url')}
    return 'warning', message, tags


def _validation(event: Dict[str, Any]) -> LogLine:
    severity = str(event.get('severity'))
    message = f"[validate] {event.get('entity')} {event.get('check')}: {severity.upper()} {event.get('message', '')}"
    tags = {k: event.get(k) for k in ('entity', 'run_id', 'check', 'severity')}
    if event.get('details') is not None:
        tags['details'] = event['details']
    return _SEVERITY_LEVELS.get(severity, 'info'), message, tags


def _result_parts(summary: Dict[str, Any]) -> List[str]:
    parts = [str(summary['status'])] if summary.get('status') else []
    span = summary.get('range')
    if isinstance(span, dict) and 'start_utc' in span:
        parts.append(window(span.get('start_utc'), span.get('end_utc')))
    numbers = {k: v for k, v in summary.items() if is_number(v)}
    totals = summary.get('totals')
    numbers.update(totals if isinstance(totals, dict) else {})
    if numbers:
        parts.append(figures(numbers))
    checks = summary.get('validation')
    if isinstance(checks, dict):
        parts.append('checks: ' + ', '.join(f'{number(v)} {k}' for k, v in checks.items()))
    return [p for p in parts if p]


def _result(event: Dict[str, Any]) -> LogLine:
    """`[run] result: invoices run 3f2a1b4c loaded: 72 chunks, 1,234 rows, 1,200 inserted, ...`: the block's
    figures as a sentence (its whole summary is the block's output); scalars and totals in the tags."""
    summary = event.get('summary') or {}
    who = ' '.join(p for p in (str(summary.get('entity') or ''), f"run {str(summary['run_id'])[:8]}"
                               if summary.get('run_id') else '') if p)
    message = f"[run] result: {who}".rstrip() + (': ' + '; '.join(_result_parts(summary)) if summary else '')
    tags = {k: v for k, v in summary.items() if isinstance(v, (str, int, float, bool))}
    for name in ('totals', 'validation'):
        if isinstance(summary.get(name), dict):
            tags.update({f'{name}_{k}': v for k, v in summary[name].items() if isinstance(v, (str, int, float, bool))})
    return 'info', message, tags


def _error(event: Dict[str, Any]) -> LogLine:
    error = event.get('error') or {}
    tags = {'kind': error.get('kind'), 'code': error.get('code'), 'status': error.get('status')}
    if error.get('context'):
        tags['context'] = error['context']
    return 'error', f"[{error.get('kind', 'fatal')}] {error.get('code', 'ERROR')}: {error.get('message', '')}", tags


_FORMATTERS: Dict[str, Callable[[Dict[str, Any]], LogLine]] = {
    'log': _log,
    'chunk': _chunk,
    'retry': _retry,
    'validation': _validation,
    'result': _result,
    'error': _error,
}


def format_event(event: Dict[str, Any]) -> LogLine:
    formatter = _FORMATTERS.get(str(event.get('type')))
    if formatter is None:
        return 'info', f"[event] {_compact(event)}", {'event_type': event.get('type')}
    level, message, tags = formatter(event)
    return level, message, _safe_tags(tags)


def _redact_values(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_values(v, redact) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_values(v, redact) for v in value]
    return value


class BlockLog:
    """Writes lines to Mage's logger when the run has one (scheduled runs), else prints them (`mage run`,
    the notebook), which Mage captures into the block's output and log."""

    def __init__(self, logger: Optional[Any], redact: Callable[[str], str]):
        self._logger = logger
        self._redact = redact
        self._story = ChunkStory(self.write, format_event)

    def write(self, level: str, message: str, tags: Optional[Dict[str, Any]] = None) -> None:
        message = self._redact(message)
        tags = _redact_values(tags or {}, self._redact)
        if self._logger is not None:
            getattr(self._logger, level, self._logger.info)(message, **tags)
            return
        suffix = f' {_compact(tags)}' if tags else ''
        print(f'{level.upper()} {message}{suffix}', flush=True)

    def event(self, event: Dict[str, Any]) -> None:
        """Chunk events go through the story (collapsed, in chunk order); a result or error line comes after
        every chunk line."""
        kind = event.get('type')
        if kind == 'chunk':
            self._story.chunk(event)
            return
        if kind in ('result', 'error'):
            self._story.flush()
        else:
            self._story.settle()
        self.write(*format_event(event))

    def flush(self) -> None:
        """Writes the chunk lines still held (the block's end)."""
        self._story.flush()
