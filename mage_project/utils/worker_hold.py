"""Keeps a scheduler worker process alive for one scheduler tick after its block has finished.

Works around a race in mage-ai 0.9.80's process queue (orchestration/queue/process_queue.py): its worker-pool
process exits as soon as it has no live worker and sees an empty queue. When the scheduler enqueues the next block
of a pipeline while that pool process is exiting, it still sees the pool alive and does not start another, so the
block run stays QUEUED for ever and the pipeline run never ends (seen with short SCHEDULER_TRIGGER_INTERVALs, e.g.
the loader and exporter finished, the validator queued and never started). A worker that outlives its block by one
tick keeps the pool running until the next block has been enqueued and picked up.

Only in a scheduler worker (a child process): under `mage run` the blocks run in the main process, which must not
wait at exit.
"""
import multiprocessing
import os
import threading
import time

DEFAULT_TRIGGER_INTERVAL_S = 10.0
MARGIN_S = 2.0


def hold_worker_after_block() -> None:
    """Starts a non-daemon thread that sleeps one scheduler tick; the worker process waits for it before exiting."""
    if multiprocessing.current_process().name == 'MainProcess':
        return
    try:
        interval = float(os.environ.get('SCHEDULER_TRIGGER_INTERVAL') or DEFAULT_TRIGGER_INTERVAL_S)
    except ValueError:
        interval = DEFAULT_TRIGGER_INTERVAL_S
    threading.Thread(target=time.sleep, args=(interval + MARGIN_S,), name='qbo-hold-worker', daemon=False).start()
