"""A finished task lets go of its job and what the job holds (ui/tasks.py): a task lives on in
its callbacks' reference cycle until the garbage collector's next full pass, and at 10M posts a
job that held the cached queue (80 MB of ids) kept it alive that long."""

from __future__ import annotations

import weakref
from array import array

import pytest

from triage_app.ui.tasks import SynchronousRunner, TaskRunner


class _Queue(array):
    """An array that a weak reference can follow (a plain array cannot)."""


def _job_holding(queue: array, fails: bool):
    def job(_ctx):
        if fails:
            raise ValueError("refused")
        return len(queue)

    return job


@pytest.mark.parametrize("runner_type", [SynchronousRunner, TaskRunner])
def test_a_finished_task_holds_nothing_of_its_job(qtbot, runner_type):
    runner = runner_type()
    cached = _Queue("q", range(1000))
    gone = weakref.ref(cached)
    task = runner.submit(_job_holding(cached, fails=False), "read")
    held = [task]  # as a callback closure holds it, in a cycle the collector has not reached
    del cached
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert gone() is None, "the finished task still holds what its job captured"
    assert held[0].fn is None
    runner.shutdown()
