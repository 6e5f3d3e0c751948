"""The rest of a first-rows-first list (after opening, under a search) is read on a worker with
its own connection, so the window answers keys meanwhile (ten million ids take seconds to read);
an answer that arrives after the window moved on is dropped, and a decision taken while the
list was read is not undone by it."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QCoreApplication

from tests.ui.fill import fill_posts
from triage_app.core.errors import TriageError
from triage_app.store.decisions import apply_tags
from triage_app.store.queue import QueueQuery, queue_ids
from triage_app.ui import queue_model as queue_model_module
from triage_app.ui.queue_model import HEAD_ROWS, QueueModel
from triage_app.ui.tasks import Task, TaskRunner

NEW = QueueQuery(status="new")


class HeldRunner(TaskRunner):
    """Runs each job at once (the list is read now) but hands its answer over only when the
    test says so: the window moving on while a read is under way, made deterministic."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Task, Any, BaseException | None]] = []

    def submit(self, fn: Any, name: str = "task") -> Task:
        task = Task(fn, name)
        try:
            self.held.append((task, fn(task.context), None))
        except Exception as exc:  # noqa: BLE001 - handed over as the real runner would
            self.held.append((task, None, exc))
        return task

    def deliver(self) -> None:
        held, self.held = self.held, []
        for task, result, error in held:
            task.done, task.result, task.error = True, result, error
            if error is None:
                task.finished.emit(result)
            else:
                task.failed.emit(error)


def _opened(make_store: Any) -> tuple[Any, HeldRunner, QueueModel]:
    """A store of 2,000 posts and a model on a HeldRunner whose queue has been read (held)."""
    store = make_store()
    fill_posts(store, 2000)
    runner = HeldRunner()
    model = QueueModel(store)
    model.set_runner(runner)
    model.set_query(NEW, first_page_first=True)
    _start_rest(model)
    return store, runner, model


def _start_rest(model: QueueModel) -> None:
    """Let the model's zero timer fire: the rest of the list is asked of the runner."""
    for _ in range(5):
        QCoreApplication.processEvents()


def test_the_rest_is_read_on_the_worker_not_on_the_window_thread(qtbot, make_store, monkeypatch):
    store = make_store()
    fill_posts(store, 2000)
    full = list(queue_ids(store, NEW))
    reads: list[tuple[str, object]] = []
    real = queue_model_module.queue_ids

    def recording(st: Any, query: Any, **kwargs: Any) -> Any:
        reads.append((threading.current_thread().name, kwargs.get("limit")))
        return real(st, query, **kwargs)

    monkeypatch.setattr(queue_model_module, "queue_ids", recording)
    runner = TaskRunner()
    model = QueueModel(store)
    model.set_runner(runner)
    try:
        with qtbot.waitSignal(model.completed, timeout=10000):
            model.set_query(NEW, first_page_first=True)
            assert model.rowCount() == HEAD_ROWS and model.loading
        assert list(model.ids()) == full and not model.loading
    finally:
        runner.shutdown()
    main = threading.main_thread().name
    assert (main, HEAD_ROWS) in reads  # the first rows, at once
    whole = [thread for thread, limit in reads if limit is None]
    assert whole and main not in whole  # the whole list, on the worker


def test_a_list_that_arrives_after_another_query_is_dropped(qtbot, make_store):
    store, runner, model = _opened(make_store)
    completed: list[int] = []
    model.completed.connect(lambda: completed.append(model.rowCount()))
    searched = QueueQuery(status="new", search="boat OR passports OR رحلة OR hawala")
    model.set_query(searched)
    _start_rest(model)
    assert len(runner.held) == 2 and model.loading
    runner.deliver()  # the opening's whole queue first, then the search's matches
    expected = list(queue_ids(store, searched))
    assert len(expected) > HEAD_ROWS
    assert list(model.ids()) == expected and not model.loading
    assert completed == [len(expected)]  # the stale list was never shown


def test_a_tag_while_the_queue_is_read_stays_out_of_the_next_search(qtbot, make_store):
    store, runner, model = _opened(make_store)  # the whole queue is read now, before the tag...
    tagged = model.post_id(0)
    assert tagged is not None
    apply_tags(store, [tagged], add=["boat_crossing"])
    model.refresh_posts([tagged])
    runner.deliver()  # ...and arrives after it
    assert not model.loading
    searched = QueueQuery(status="new", search="boat OR passports OR رحلة OR hawala")
    model.set_query(searched)
    _start_rest(model)
    runner.deliver()
    ids = list(model.ids())
    assert tagged not in ids  # no longer "new": the list read before the tag is not reused
    assert ids == list(queue_ids(store, searched))


def test_a_list_that_cannot_be_read_says_so_and_keeps_the_first_rows(
    qtbot, make_store, monkeypatch
):
    store = make_store()
    fill_posts(store, 2000)
    real = queue_model_module.queue_ids

    def failing(st: Any, query: Any, **kwargs: Any) -> Any:
        if kwargs.get("limit") is None:
            raise TriageError("the store was locked")
        return real(st, query, **kwargs)

    monkeypatch.setattr(queue_model_module, "queue_ids", failing)
    runner = HeldRunner()
    model = QueueModel(store)
    model.set_runner(runner)
    said: list[str] = []
    model.readFailed.connect(said.append)
    model.set_query(NEW, first_page_first=True)
    _start_rest(model)
    runner.deliver()
    assert said == ["The rest of the list could not be read: the store was locked"]
    assert model.rowCount() == HEAD_ROWS and not model.loading


def test_a_store_closed_while_its_queue_is_read_drops_the_answer(qtbot, make_store):
    _store, runner, model = _opened(make_store)
    model.set_store(None)  # the window locks
    runner.deliver()
    assert model.rowCount() == 0 and not model.loading


def test_a_read_replaced_by_another_query_stops_at_its_next_slice(qtbot, make_store, monkeypatch):
    from dataclasses import replace

    from triage_app.store import queue as queue_module
    from triage_app.ui.tasks import TaskCancelled

    store = make_store()
    fill_posts(store, 2000)
    monkeypatch.setattr(queue_module, "ID_SLICE", 100)  # 20 slices for the whole queue
    slices: list[int] = []
    gate = threading.Event()
    real = queue_model_module.queue_ids

    def gated(st: Any, query: Any, limit: Any = None, **kwargs: Any) -> Any:
        between = kwargs.get("between_slices")
        if between is not None:

            def slowly() -> None:
                slices.append(1)
                gate.wait(10)  # the worker holds here until the window has moved on
                between()

            kwargs["between_slices"] = slowly
        return real(st, query, limit=limit, **kwargs)

    monkeypatch.setattr(queue_model_module, "queue_ids", gated)
    runner = TaskRunner()
    model = QueueModel(store)
    model.set_runner(runner)
    try:
        model.set_query(NEW, first_page_first=True)
        qtbot.waitUntil(lambda: bool(slices), timeout=10000)  # reading, slice by slice
        first = model._rest_task
        other = replace(NEW, sort="posted")
        model.set_query(other, first_page_first=True)  # the person moved on
        gate.set()
        qtbot.waitUntil(lambda: first.done, timeout=10000)
        assert isinstance(first.error, TaskCancelled)  # stopped, not read to the end
        qtbot.waitUntil(lambda: not model.loading, timeout=10000)
        assert list(model.ids()) == list(queue_ids(store, other))
        assert len(slices) < 2 * 20  # the first read stopped after its first slice
    finally:
        gate.set()
        runner.shutdown()
