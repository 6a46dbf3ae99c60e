"""Figures as a short sentence for Mage's block log, whose view shows about 110 characters of a message.

`figures({'rows_read': 120, 'pages_read': 2, 'api_calls': 1, 'retries': 0, 'duration_ms': 412})` is
"120 rows, 2 pages, 1 API call, 0 retries, 0.4 s". Known figures come first, in a reviewer's order; a figure this
module does not know (a new metric) still shows, after them, named after its key ("rows_deleted" -> "deleted"),
when it is not zero; a `*_ms` one as a duration ("extract_ms" -> "extract 0.2 s"). The full figures always stay in the log entry's tags.
"""
from datetime import datetime
from typing import Any, Dict, Iterable, List, Tuple

# (key, label, shown when zero). Keys of chunk metrics (core/events.ts ChunkMetrics) and of the blocks' totals.
_KNOWN: Tuple[Tuple[str, str, bool], ...] = (
    ('chunks', 'chunks', True),
    ('extracted', 'extracted', False),
    ('chunks_loaded', 'loaded', False),
    ('skipped', 'skipped', False),
    ('chunks_skipped', 'skipped', False),
    ('failed', 'failed', False),
    ('rows_read', 'rows', True),
    ('rows', 'rows', True),
    ('pages_read', 'pages', True),
    ('pages', 'pages', True),
    ('rows_inserted', 'inserted', True),
    ('rows_updated', 'updated', True),
    ('rows_unchanged', 'unchanged', True),
    ('inserted', 'inserted', True),
    ('updated', 'updated', True),
    ('unchanged', 'unchanged', True),
    ('rows_skipped', 'stale', False),
    ('api_calls', 'API calls', True),
    ('retries', 'retries', True),
    ('throttled', '429s', False),
)
_LABELS = {key: (label, always) for key, label, always in _KNOWN}
_ORDER = {key: i for i, (key, _, _) in enumerate(_KNOWN)}
# In the tags only: the QBO count is compared by the validator, the time is written last, as a duration.
_NOT_IN_SENTENCE = frozenset({'source_count', 'duration_ms', 'chunk_index', 'chunk_count'})
_SINGULAR = {'rows': 'row', 'pages': 'page', 'API calls': 'API call', 'retries': 'retry', 'chunks': 'chunk'}


def is_number(value: Any) -> bool:
    """An int or a float, not a bool (which Python counts as an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any) -> str:
    if not is_number(value):
        return str(value)
    return f'{value:,}' if isinstance(value, int) else f'{value:,.2f}'


def duration(ms: Any) -> str:
    if not is_number(ms):
        return str(ms)
    seconds = ms / 1000
    if seconds < 60:
        return f'{seconds:.1f} s'
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f'{minutes} min {seconds:02d} s' if minutes < 60 else f'{minutes // 60} h {minutes % 60:02d} min'


def _label(key: str) -> Tuple[str, bool]:
    if key in _LABELS:
        return _LABELS[key]
    return (key[len('rows_'):] if key.startswith('rows_') else key).replace('_', ' '), False


def figure_parts(values: Dict[str, Any], skip: Iterable[str] = ()) -> List[str]:
    """'<n> <label>' for each numeric figure, known ones first; zero optional ones left out."""
    left_out = _NOT_IN_SENTENCE.union(skip)
    keys = [k for k in values if k not in left_out and is_number(values[k])]
    keys.sort(key=lambda k: (_ORDER.get(k, len(_ORDER)), k))
    parts, seen = [], set()
    for key in keys:
        label, always = _label(key)
        if label in seen or (values[key] == 0 and not always):
            continue
        seen.add(label)
        if key.endswith('_ms'):  # another duration (extract_ms, wall_ms): "extract 0.2 s"
            parts.append(f'{label[:-len(" ms")]} {duration(values[key])}')
            continue
        parts.append(f'{number(values[key])} {_SINGULAR.get(label, label) if values[key] == 1 else label}')
    return parts


def figures(values: Dict[str, Any], skip: Iterable[str] = ()) -> str:
    """The figures as one sentence, the time (duration_ms) last."""
    parts = figure_parts(values, skip)
    if 'duration_ms' in values and 'duration_ms' not in skip:
        parts.append(duration(values['duration_ms']))
    return ', '.join(parts)


def _instant(iso: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(iso).replace('Z', '+00:00'))
    except ValueError:
        return str(iso)
    text = moment.strftime('%Y-%m-%d %H:%M')
    return text[:10] if text.endswith(' 00:00') else text


def window(start: Any, end: Any) -> str:
    """A half-open UTC window, short: [2021-03-02, 2021-04-01) (times only when not midnight)."""
    return f'[{_instant(start)}, {_instant(end)})'


def chunk_span(first: int, last: int) -> str:
    """1-based, as the chunk lines number chunks: 'chunk 3' or 'chunks 3-7'."""
    return f'chunk {first + 1}' if first == last else f'chunks {first + 1}-{last + 1}'
