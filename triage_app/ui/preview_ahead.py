"""The next post's preview, made while the analyst reads the current one.

A tag key moves the queue to the next post, and the preview then had to read that post, fill
its labels, lists and text, lay the pane out and paint it: about 8 ms of the key's 15, where
the key's target is 20 ms at the 99th percentile. Most of the time the next post is known in
advance (the row under the current one), and the analyst spends seconds reading before the key.
So once both panes have been painted, ``PreviewAhead`` fills a second, hidden preview pane with
the post of the next row and lays it out at the pane's size. When the queue then moves to that
post, the hidden pane is shown in place of the visible one, which becomes the spare: only the
paint is left on the key's path.

The prepared pane is trusted only as far as the store still says the same: before it is shown,
the post is read again (the same read the preview makes) and compared with what was read when
the pane was filled. Any difference (a tag, a note or a status by someone else, an import that
added an indicator), another search to highlight, another size, or the keyboard focus inside the
visible pane, and the preview is filled the normal way. A lock drops the spare with its content.

A tag key carries that read in its own commit (:meth:`PreviewAhead.check_with_commit`; on a
team server the COMMIT's round trip answers it too: one round trip fewer on the key's path), so
the post is still read the moment the tag has committed, as before."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtGui import QMoveEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from ..core.errors import TriageError
from ..store.connection import DatabaseError, ReadAfterCommit, Store
from ..store.post_detail import detail_from, detail_reads, post_detail
from .layout_fence import LayoutFence, settle_layouts
from .preview_pane import PreviewPane


def read_for_preview(store: Store, post_id: int) -> dict[str, Any]:
    """The post as the preview reads it (show_post's read): what a prepared pane is checked
    against."""
    return post_detail(store, post_id, explain=False, account_counts=False)


class PreviewAhead:
    """A hidden preview pane holding the post the analyst will probably see next."""

    def __init__(self, store: Store, fence: LayoutFence, make_pane: Callable[[], PreviewPane]):
        self._store = store
        self._fence = fence
        self._make_pane = make_pane
        self._spare: PreviewPane | None = None
        # (post id, search highlighted, the post as read when the spare was filled)
        self._prepared: tuple[int, str, dict[str, Any]] | None = None
        # The prepared post read again by a tag's commit (check_with_commit): (post id, read).
        self._check: tuple[int, ReadAfterCommit] | None = None

    @property
    def prepared_post(self) -> int | None:
        return None if self._prepared is None else self._prepared[0]

    def prepare(self, shown: PreviewPane, post_id: int | None) -> None:
        """Fill the hidden pane with ``post_id`` as ``shown`` would show it (the same search
        highlighted, the same share of the height), unless it already holds it."""
        if post_id is None:
            return
        if self._prepared is not None and self._prepared[:2] == (post_id, shown.search):
            return
        spare = self._spare
        if spare is None:
            spare = self._spare = self._make_pane()
            spare.hide()
            spare.setParent(self._fence)
        self._prepared = None
        spare.setGeometry(self._fence.rect())
        spare.search = shown.search
        spare.body.copy_share_from(shown.body)  # where the person left the text/strip line
        spare.show_post(post_id)
        if spare.detail is None:  # the post is gone, or could not be read
            return
        snapshot = copy.deepcopy(spare.detail)  # before the explanation adds to it
        spare.explain_now()  # its account counts change the card's height: laid out below
        for _ in range(4):  # a resize can lay out and resize again, within the pane
            layout = spare.layout()
            if layout is not None:
                layout.activate()  # a hidden pane's layout requests wait for it to be shown
            settle_layouts()
            spare.body.arrange()
            spare.finish_layout()
            for area in spare.findChildren(QAbstractScrollArea):
                # its scroll bars shown or hidden for the new range (a queued call)
                QCoreApplication.sendPostedEvents(area, QEvent.Type.MetaCall)
            if not _send_pending_geometry(spare):
                break
        self._prepared = (post_id, shown.search, snapshot)

    def check_with_commit(self) -> ReadAfterCommit | None:
        """The read that checks the prepared post, for a tag about to commit to carry
        (Store.read_after_commit); :meth:`take` uses its answers instead of reading again.
        None when nothing is prepared."""
        self._check = None
        if self._prepared is None:
            return None
        post_id = self._prepared[0]
        later = ReadAfterCommit(detail_reads(self._store, post_id))
        self._check = (post_id, later)
        return later

    def take(self, shown: PreviewPane, post_id: int | None) -> PreviewPane | None:
        """The prepared pane, now shown in the fence in place of ``shown`` (which becomes the
        spare), if it holds ``post_id`` exactly as the store has it now; else None."""
        check, self._check = self._check, None
        prepared, spare = self._prepared, self._spare
        if prepared is None or spare is None or post_id is None:
            return None
        if prepared[0] != post_id or prepared[1] != shown.search:
            return None
        if spare.size() != self._fence.size() or _holds_focus(shown):
            return None
        if spare.body.share != shown.body.share:  # the line dragged since it was prepared
            return None
        try:
            if self._read_now(post_id, check) != prepared[2]:
                self._prepared = None
                return None
        except (TriageError, DatabaseError):
            self._prepared = None
            return None
        spare.show()  # before the old one is hidden: the fence's background never shows
        self._fence.take_widget(spare)
        shown.hide()
        self._spare = shown
        self._prepared = None
        return spare

    def end_check(self) -> None:
        """The tag that carried the check is done: its answers are a moment old now, and a
        later move reads the post again."""
        self._check = None

    def _read_now(self, post_id: int, check: tuple[int, ReadAfterCommit] | None) -> Any:
        """The post as the preview reads it: from the tag's commit when it carried the read
        (the moment the tag committed, a few milliseconds ago), else read now."""
        if check is not None and check[0] == post_id and check[1].answers is not None:
            return detail_from(
                self._store, post_id, check[1].answers, explain=False, account_counts=False
            )
        return read_for_preview(self._store, post_id)

    def forget(self) -> None:
        """The prepared post no longer counts (the pane will be filled again when needed)."""
        self._prepared = None
        self._check = None

    def drop(self) -> None:
        """Delete the spare pane and what it holds (a lock, another store)."""
        self._prepared = None
        self._check = None
        if self._spare is not None:
            self._spare.hide()
            self._spare.deleteLater()
            self._spare = None


def _send_pending_geometry(top: QWidget) -> bool:
    """Send the move and resize events Qt keeps back for a hidden widget until it is
    shown, as QWidget::show does (QWidgetPrivate::sendPendingMoveAndResizeEvents): the text
    view and the lists lay themselves out on their resize, which would otherwise happen on the
    key's path, when the pane is shown (1.5 ms). Whether any was pending."""
    sent = False
    for widget in [top, *top.findChildren(QWidget)]:
        if widget.testAttribute(Qt.WidgetAttribute.WA_PendingMoveEvent):
            widget.setAttribute(Qt.WidgetAttribute.WA_PendingMoveEvent, False)
            QApplication.sendEvent(widget, QMoveEvent(widget.pos(), widget.pos()))
            sent = True
        if widget.testAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent):
            widget.setAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent, False)
            QApplication.sendEvent(widget, QResizeEvent(widget.size(), QSize()))
            sent = True
    return sent


def _holds_focus(pane: PreviewPane) -> bool:
    """Whether the keyboard focus is inside the pane (hiding it would move the focus)."""
    focus = QApplication.focusWidget()
    return focus is not None and (focus is pane or pane.isAncestorOf(focus))
