"""Puts a block's chunk events into the block log as a story rather than in arrival order.

- Consecutive `started` events of one phase and entity become one line: "[extract] invoices chunks 1-72 of 72
  started [2021-01-01, 2026-12-01)" (a loader starts a whole pass at once: 72 lines before any result otherwise).
- `done` and `skipped` lines come out in chunk order: chunks finish out of order (several passes or loads at
  once), so a line waits until every chunk before it has had its line, or until `flush()` (the block's result or
  error, or its end). A `failed` line is written at once.
- Consecutive `skipped` lines for the same reason (a resumed run) become one line.
Each collapsed line keeps the first and last chunk and the count in its tags.
"""
from typing import Any, Callable, Dict, Optional, Tuple

from .log_figures import chunk_span, window

Write = Callable[[str, str, Dict[str, Any]], None]
Key = Tuple[Any, Any]  # (phase, entity)
# Lines held for chunk order at most; past it they go out in order, gaps left behind.
_MAX_HELD = 2000


def _key(event: Dict[str, Any]) -> Key:
    return event.get('phase'), event.get('entity')


class _Group:
    """Consecutive chunk events of one kind (started, or skipped for one reason), written as one line."""

    def __init__(self, event: Dict[str, Any]):
        self.first = self.last = event
        self.count = 1

    def extends(self, event: Dict[str, Any]) -> bool:
        same = (_key(event), event.get('status'), event.get('reason')) == (
            _key(self.last), self.last.get('status'), self.last.get('reason'))
        return same and event.get('chunk_index') == self.last.get('chunk_index', -2) + 1

    def add(self, event: Dict[str, Any]) -> None:
        self.last = event
        self.count += 1

    def line(self) -> Tuple[str, str, Dict[str, Any]]:
        first, last = self.first, self.last
        span = chunk_span(first.get('chunk_index', 0), last.get('chunk_index', 0))
        reason = f" ({first['reason']})" if first.get('reason') else ''
        message = (f"[{first.get('phase')}] {first.get('entity')} {span} of {first.get('chunk_count')} "
                   f"{first.get('status')}{reason} {window(first.get('window_start_utc'), last.get('window_end_utc'))}")
        tags = {'phase': first.get('phase'), 'entity': first.get('entity'), 'run_id': first.get('run_id'),
                'status': first.get('status'), 'reason': first.get('reason'), 'chunks': self.count,
                'first_chunk_index': first.get('chunk_index'), 'last_chunk_index': last.get('chunk_index'),
                'window_start_utc': first.get('window_start_utc'), 'window_end_utc': last.get('window_end_utc')}
        return 'info', message, tags


class ChunkStory:
    """Receives chunk events; writes their lines (through `format_one` for single events) in story order."""

    def __init__(self, write: Write, format_one: Callable[[Dict[str, Any]], Tuple[str, str, Dict[str, Any]]]):
        self._write = write
        self._format = format_one
        self._started: Optional[_Group] = None
        self._skipped: Optional[_Group] = None
        self._next: Dict[Key, int] = {}
        self._held: Dict[Key, Dict[int, Optional[Dict[str, Any]]]] = {}

    def chunk(self, event: Dict[str, Any]) -> None:
        if event.get('status') == 'started':
            self._started = self._collapse(self._started, event, before=self.settle)
            return
        self._flush_started()
        index = event.get('chunk_index')
        if not isinstance(index, int):
            return self._tell(event)
        key = _key(event)
        if event.get('status') == 'failed':
            self._tell(event)  # a failure is told at once, not after the chunks before it; its place is kept
            event = None
        self._held.setdefault(key, {})[index] = event
        self._release(key, force=sum(len(h) for h in self._held.values()) > _MAX_HELD)

    def _collapse(self, group: Optional[_Group], event: Dict[str, Any], before: Callable[[], None]) -> _Group:
        """`group` grown by `event`, or a new group of it (after `before()` wrote what came first)."""
        if group is not None and group.extends(event):
            group.add(event)
            return group
        before()
        return _Group(event)

    def settle(self) -> None:
        """Writes the lines being collapsed (before a line of another kind: a retry, a log message)."""
        self._flush_skipped()
        self._flush_started()

    def flush(self) -> None:
        """Writes everything held, in chunk order (a chunk that never reported leaves a gap)."""
        self._flush_started()
        for key in list(self._held):
            self._release(key, force=True)
        self._flush_skipped()

    def _release(self, key: Key, force: bool) -> None:
        held = self._held[key]
        while held:
            nxt = self._next.get(key, 0)
            if nxt not in held:
                if not force:
                    return
                nxt = min(held)
            told = held.pop(nxt)
            if told is not None:  # None: a failure already told
                self._tell(told)
            self._next[key] = nxt + 1

    def _tell(self, event: Dict[str, Any]) -> None:
        if event.get('status') == 'skipped':
            self._skipped = self._collapse(self._skipped, event, before=self._flush_skipped)
            return
        self._flush_skipped()
        self._write(*self._format(event))

    def _flush_started(self) -> None:
        group, self._started = self._started, None
        self._write_group(group)

    def _flush_skipped(self) -> None:
        group, self._skipped = self._skipped, None
        self._write_group(group)

    def _write_group(self, group: Optional[_Group]) -> None:
        if group is not None:
            self._write(*(group.line() if group.count > 1 else self._format(group.first)))
