"""Undo and redo of the user's own tag, note and bulk actions.

Each action is a batch of decisions; undo records new decisions that reverse a batch
(``decisions.undo_batch``), never deletes any, and redo is the undo of that undo."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.errors import TriageError
from ..store.connection import Store
from ..store.decisions import batch_decisions, review, undo_batch, undo_refusal_reason


@dataclass(frozen=True)
class Step:
    batch: str
    description: str
    # A supervisor's verdict ("approve"/"reject", with its reason): undone with an undo event,
    # redone by reviewing again; the tab it was given in ("queue"/"supervisor").
    verdict: str | None = None
    reason: str | None = None
    where: str = "queue"


class UndoHistory:
    """Two stacks of batch ids; a new action clears the redo stack."""

    def __init__(self) -> None:
        self.undo_steps: list[Step] = []
        self.redo_steps: list[Step] = []

    def clear(self) -> None:
        self.undo_steps.clear()
        self.redo_steps.clear()

    def record(
        self,
        batch: str,
        description: str,
        *,
        verdict: str | None = None,
        reason: str | None = None,
        where: str = "queue",
    ) -> None:
        self.undo_steps.append(Step(batch, description, verdict, reason, where))
        self.redo_steps.clear()

    def can_undo(self) -> bool:
        return bool(self.undo_steps)

    def can_redo(self) -> bool:
        return bool(self.redo_steps)

    def undo(self, store: Store) -> tuple[Step, list[int]]:
        """Reverse the last action; returns it and the posts it touched."""
        step = self.undo_steps[-1]
        posts = _posts_of(store, step.batch)
        if step.verdict is not None:  # a review stands once its post is in a pack: say why
            for post_id in posts:
                reason = undo_refusal_reason(store.conn, post_id)
                if reason is not None:
                    raise TriageError(f"Cannot undo the {step.description}: {reason}")
        reverse = undo_batch(store, step.batch)  # raises TriageError: stacks stay as they were
        self.undo_steps.pop()
        self.redo_steps.append(replace(step, batch=reverse))
        return step, posts

    def redo(self, store: Store) -> tuple[Step, list[int]]:
        step = self.redo_steps[-1]
        posts = _posts_of(store, step.batch)
        if step.verdict is not None:  # the review given again (four eyes checked again)
            again = review(store, posts, step.verdict, step.reason)
        else:
            again = undo_batch(store, step.batch)
        self.redo_steps.pop()
        self.undo_steps.append(replace(step, batch=again))
        return step, posts


def _posts_of(store: Store, batch: str) -> list[int]:
    return list(dict.fromkeys(d.post_id for d in batch_decisions(store, batch)))
