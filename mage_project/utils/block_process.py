"""Runs one compiled block entry point (`node ts-blocks/dist/blocks/<role>.js`) with the block protocol of
ts-blocks/src/blocks/harness.ts: the input document on stdin, NDJSON events on stdout, `{"type":"ack",...}` lines
back on stdin after each `token_rotated`, exit code 0 on success.

The child stays in Mage's process group and exits by itself when its parent dies (the harness watches its parent
pid), so a block timeout that kills Mage's worker also ends the Node process.
"""
import json
import os
import shutil
import subprocess
import threading
from collections import deque
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional

ACK_TOKEN_ROTATED = json.dumps({'type': 'ack', 'for': 'token_rotated'}) + '\n'
# Settings the child must take from its stdin document only, never from the worker's environment.
_SCRUBBED_ENV = ('DATABASE_URL', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSERVICE')
_STDERR_TAIL = 20


class BlockSetupError(Exception):
    """The entry point or Node cannot be found."""


def _candidate_roots() -> List[Path]:
    here = Path(__file__).resolve()
    roots: List[Path] = []
    if os.getenv('QBO_BACKFILL_HOME'):
        roots.append(Path(os.environ['QBO_BACKFILL_HOME']))
    roots.extend(here.parents)  # <root>/mage_project/utils/block_process.py, locally and in the image
    try:
        from mage_ai.settings.repo import get_repo_path

        roots.extend(Path(get_repo_path()).resolve().parents)
    except Exception:  # outside Mage (the secrets scripts): the file's own location is enough
        pass
    roots.append(Path('/home/src'))  # the Docker image's WORKDIR
    return roots


def locate_entry_point(role: str) -> Path:
    """ts-blocks/dist/blocks/<role>.js, or $QBO_BLOCKS_DIR/<role>.js when set."""
    override = os.getenv('QBO_BLOCKS_DIR')
    candidates = [Path(override) / f'{role}.js'] if override else [
        root / 'ts-blocks' / 'dist' / 'blocks' / f'{role}.js' for root in _candidate_roots()
    ]
    for path in candidates:
        if path.is_file():
            return path
    looked = ', '.join(str(p) for p in dict.fromkeys(candidates))
    raise BlockSetupError(
        f'Block entry point {role}.js not found (looked in: {looked}). Build it with `npm run build` in the '
        'project root, or set QBO_BACKFILL_HOME to the directory holding ts-blocks/.'
    )


def node_binary() -> str:
    node = os.getenv('QBO_NODE_BIN') or shutil.which('node')
    if not node:
        raise BlockSetupError(
            'Node.js (>= 20) is not on PATH: the Mage blocks run the compiled TypeScript entry points with it. '
            'Install Node 20 (the project\'s Docker image includes it) or set QBO_NODE_BIN.'
        )
    return node


def project_root(entry_point: Path) -> Path:
    """The directory holding ts-blocks/ (the child's working directory: spools and evidence are relative to it)."""
    if entry_point.parent.name == 'blocks' and entry_point.parents[2].name == 'ts-blocks':
        return entry_point.parents[3]
    return Path(os.getenv('QBO_BACKFILL_HOME') or entry_point.parent)


def _child_env() -> Dict[str, str]:
    from .mage_secrets import ALL_SECRETS

    scrubbed = set(_SCRUBBED_ENV) | set(ALL_SECRETS)
    return {k: v for k, v in os.environ.items() if k not in scrubbed}


class BlockProcess:
    """One run of an entry point. `events()` yields each stdout line parsed as JSON (or {'type': 'text', ...})."""

    def __init__(self, role: str, on_stderr: Callable[[str], None]):
        self.entry_point = locate_entry_point(role)
        self._on_stderr = on_stderr
        self.stderr_tail: Deque[str] = deque(maxlen=_STDERR_TAIL)
        self._proc: Optional[subprocess.Popen] = None
        self._stderr_thread: Optional[threading.Thread] = None

    def start(self, input_document: Dict[str, Any]) -> None:
        self._proc = subprocess.Popen(
            [node_binary(), str(self.entry_point)],
            cwd=str(project_root(self.entry_point)),
            env=_child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding='utf-8',
            errors='replace',
            bufsize=1,
        )
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        self._send(json.dumps(input_document) + '\n')

    def _drain_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            line = line.rstrip('\n')
            if line.strip():
                self.stderr_tail.append(line)
                self._on_stderr(line)

    def _send(self, text: str) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(text)
        self._proc.stdin.flush()

    def acknowledge_token(self) -> None:
        self._send(ACK_TOKEN_ROTATED)

    def close_input(self) -> None:
        """Ends stdin: the harness then treats any pending acknowledgement as refused and stops."""
        if self._proc is not None and self._proc.stdin is not None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except OSError:
                pass

    def events(self) -> Iterable[Dict[str, Any]]:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            yield event if isinstance(event, dict) else {'type': 'text', 'text': line}

    def wait(self) -> int:
        assert self._proc is not None
        self.close_input()
        code = self._proc.wait()
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=5)
        return code

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
