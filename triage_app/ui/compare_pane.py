"""The compare pane beside the preview: a second post set against the current one, its changed
words highlighted, and the posts that belong with it (near-duplicates, the same account, the same
phone number, messaging link or handle on any platform), each list a pivot that can become the
queue's filter, and one action that tags a whole cluster.

Two ways to choose the second post: *follow* (the default) compares the current post with its
nearest duplicate; *pinned* (P) keeps one post on the left while the analyst moves through others
on the right. Picking a row in the pivot list compares with that post until the next move."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..core.textdiff import changed_spans, similarity_ratio
from ..core.timeutil import to_local_text
from ..store import pivots
from ..store.connection import DatabaseError, Store
from ..store.decisions import apply_tags
from ..store.post_detail import post_brief, post_summaries
from .quiet_scrollbar import quiet_scrollbars
from .text_render import render_diff_html

# Rows shown in the pivot list. Built anew for every post the analyst moves to, so it is kept
# to what a glance takes in; "Open as filter" puts every match in the queue.
LIST_LIMIT = 25
_FETCHED = LIST_LIMIT + 1  # one more than is listed tells whether there are more
FILTER_LIMIT = pivots.FILTER_LIMIT  # posts a pivot can hand to the queue as a filter
TEXT_PT = 11.0
PIVOT_KIND_NAMES = {
    "phone": "phone number",
    "messaging": "messaging link",
    "handle": "handle",
    "email": "e-mail address",
}


@dataclass(frozen=True)
class Pivot:
    """One entry of the pivot chooser: a name for people, its rows, and its queue filter."""

    key: str  # "near", "account", "indicators" or "indicator:<kind>:<value>"
    label: str
    fetch: Callable[[int], list[pivots.PivotHit]]  # limit -> hits (the anchor post excluded)
    filter_ids: Callable[[], list[int]]  # every post of the pivot, the anchor included


def changed_word_spans(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character spans of the words of ``a`` not in ``b`` and of ``b`` not in ``a``."""
    spans_a, spans_b = changed_spans(a, b)
    return [(s.start, s.end) for s in spans_a], [(s.start, s.end) for s in spans_b]


class ComparePane(QFrame):
    """The second post and the pivots around the current one."""

    openAsFilter = Signal(list, str)  # post ids, a label for the filter ("Same phone +90…")
    clusterTagged = Signal(str, list, str)  # decision batch id (for undo), post ids, tag key
    message = Signal(str)  # one line for the status bar (errors included)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current: int | None = None
        self.pinned: int | None = None
        self.chosen: int | None = None  # a row picked in the pivot list
        self.left_id: int | None = None
        self.right_id: int | None = None
        self.pivot_ids: list[int] = []
        self._pivots: list[Pivot] = []
        self._cluster: tuple[int, int] | None = None  # (cluster id, size) of the anchor
        self._near_cache: dict[int, list[pivots.PivotHit]] = {}
        # The window may take over tagging (to run it through its undo stack); the default
        # applies the tag in one decision batch and reports the batch with clusterTagged.
        self.tag_handler: Callable[[list[int], str], str] | None = None
        self.setObjectName("comparePane")
        self.setAccessibleName("Compare pane")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.mode_label = QLabel(self)
        self.mode_label.setObjectName("compareMode")
        self.mode_label.setWordWrap(True)
        self.pin_button = QToolButton(self)
        self.pin_button.setObjectName("pinButton")
        self.pin_button.setCheckable(True)
        self.pin_button.setText("Pin")
        self.pin_button.setToolTip("Pin the current post on the left and move through others (P)")
        self.pin_button.setAccessibleName("Pin the current post")
        self.pin_button.clicked.connect(self._pin_clicked)

        self.left_title = self._title("leftTitle")
        self.right_title = self._title("rightTitle")
        self.left_text = self._browser("compareLeftText", "Text of the post on the left")
        self.right_text = self._browser("compareRightText", "Text of the post compared with it")
        self.diff_summary = QLabel(self)
        self.diff_summary.setObjectName("diffSummary")

        self.pivot_choice = QComboBox(self)
        self.pivot_choice.setObjectName("pivotChoice")
        self.pivot_choice.setAccessibleName("Which related posts to list")
        self.pivot_choice.setToolTip(
            "Near-duplicates, the same account, or the same phone number, "
            "link or handle on any platform"
        )
        self.pivot_choice.currentIndexChanged.connect(self._pivot_changed)
        self.pivot_list = QListWidget(self)
        self.pivot_list.setObjectName("pivotList")
        self.pivot_list.setAccessibleName("Related posts")
        self.pivot_list.setAlternatingRowColors(True)
        # Rows wrap inside the pane instead of scrolling sideways: a right-to-left snippet cut
        # at the right edge would lose its beginning.
        self.pivot_list.setWordWrap(True)
        self.pivot_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.pivot_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        quiet_scrollbars(self.pivot_list)
        self.pivot_list.setToolTip("Pick a post to compare it with the one on the left")
        self.pivot_list.currentItemChanged.connect(self._row_chosen)
        self.filter_button = QPushButton("Open as queue filter", self)
        self.filter_button.setObjectName("openAsFilter")
        self.filter_button.setToolTip("Show these posts (and this one) as the review queue")
        self.filter_button.clicked.connect(self.open_as_filter)
        self.tag_button = QPushButton("Tag cluster…", self)
        self.tag_button.setObjectName("tagCluster")
        self.tag_button.setToolTip(
            "Tag every post of this post's near-duplicate cluster at once "
            "(one action, undone with Undo)"
        )
        self.tag_menu = QMenu(self.tag_button)
        self.tag_button.setMenu(self.tag_menu)
        self._fill_tag_menu()
        self.status = QLabel(self)
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.mode_label, 1)
        top.addWidget(self.pin_button)
        texts = QSplitter(Qt.Orientation.Horizontal, self)
        for title, browser in (
            (self.left_title, self.left_text),
            (self.right_title, self.right_text),
        ):
            box = QWidget(texts)
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(title)
            box_layout.addWidget(browser, 1)
            texts.addWidget(box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.filter_button)
        buttons.addStretch(1)
        buttons.addWidget(self.tag_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(texts, 3)
        layout.addWidget(self.diff_summary)
        layout.addWidget(self.pivot_choice)
        layout.addWidget(self.pivot_list, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._refresh()

    def _title(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        # Two lines always, so that the two texts below start level with each other.
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 2)
        return label

    def _browser(self, name: str, accessible: str) -> QTextBrowser:
        browser = QTextBrowser(self)
        browser.setObjectName(name)
        browser.setAccessibleName(accessible)
        browser.setOpenLinks(False)
        quiet_scrollbars(browser)
        return browser

    # -- what the window calls ---------------------------------------------------------------
    def set_current(self, post_id: int | None) -> None:
        """The analyst moved to ``post_id`` (None: nothing selected)."""
        self.current = post_id
        self.chosen = None
        self.status.clear()
        self._refresh()

    def pin(self, post_id: int | None = None) -> None:
        """Pin ``post_id`` (default: the current post) on the left."""
        target = self.current if post_id is None else post_id
        if target is None:
            return
        self.pinned = int(target)
        self.chosen = None
        self._refresh()

    def unpin(self) -> None:
        """Back to following the nearest duplicate of the current post."""
        self.pinned = None
        self.chosen = None
        self._refresh()

    def toggle_pin(self) -> None:
        """The P key: pin the current post, or unpin when it is the pinned one."""
        if self.pinned is not None and (self.current is None or self.pinned == self.current):
            self.unpin()
        else:
            self.pin()

    def refresh(self) -> None:
        """Read everything again (after tags, imports, a clustering run)."""
        self._refresh()

    def finish_layout(self) -> None:
        """Lay the pivot list out now, once the pane has its size for the new post, rather than
        on the list's own timer, which would paint it a second time a moment later."""
        self.pivot_list.doItemsLayout()

    # -- pivots ------------------------------------------------------------------------------
    @property
    def anchor(self) -> int | None:
        """The post the pivots are about: the pinned one, else the current one."""
        return self.pinned if self.pinned is not None else self.current

    def pivot_keys(self) -> list[str]:
        return [p.key for p in self._pivots]

    def select_pivot(self, key: str) -> None:
        """Show the pivot with this key ("near", "account", "indicator:phone:+44…")."""
        keys = self.pivot_keys()
        if key not in keys:
            raise KeyError(key)
        self.pivot_choice.setCurrentIndex(keys.index(key))

    def _build_pivots(self, anchor: int) -> list[Pivot]:
        store = self.store

        def ids_for(
            kind: pivots.PivotKind, indicator: tuple[str, str] | None = None
        ) -> Callable[[], list[int]]:
            return lambda: pivots.post_ids_for_pivot(
                store, kind, anchor, indicator=indicator, limit=FILTER_LIMIT
            )

        found = [
            Pivot(
                "near",
                "Near-duplicates",
                lambda limit: self._near(anchor, limit),
                ids_for("near_duplicates"),
            ),
            Pivot(
                "account",
                "Same account",
                lambda limit: pivots.same_account(store, anchor, limit),
                ids_for("same_account"),
            ),
        ]
        values = pivots.post_pivot_values(store, anchor)
        if values:
            found.append(
                Pivot(
                    "indicators",
                    "Same phone number / link / handle (any of them)",
                    lambda limit: pivots.same_indicator(store, anchor, limit),
                    ids_for("same_indicator"),
                )
            )
        for kind, value in values:
            name = PIVOT_KIND_NAMES.get(kind, kind)
            found.append(
                Pivot(
                    f"indicator:{kind}:{value}",
                    f"Same {name} {value}",
                    self._one_value_fetch(anchor, kind, value),
                    ids_for("same_indicator", (kind, value)),
                )
            )
        return found

    def _one_value_fetch(
        self, anchor: int, kind: str, value: str
    ) -> Callable[[int], list[pivots.PivotHit]]:
        def fetch(limit: int) -> list[pivots.PivotHit]:
            ids = pivots.post_ids_for_pivot(
                self.store, "same_indicator", anchor, indicator=(kind, value), limit=limit + 1
            )
            newest_first = [i for i in sorted(ids, reverse=True) if i != anchor][:limit]
            platforms = {
                i: str(s["platform"]) for i, s in post_summaries(self.store, newest_first).items()
            }
            return [
                pivots.PivotHit(i, platforms.get(i, ""), ((kind, value),)) for i in newest_first
            ]

        return fetch

    def _refresh(self) -> None:
        self._near_cache.clear()
        anchor = self.anchor
        previous_key = None
        if 0 <= self.pivot_choice.currentIndex() < len(self._pivots):
            previous_key = self._pivots[self.pivot_choice.currentIndex()].key
        self._pivots = (
            self._safely(lambda: self._build_pivots(anchor), []) if anchor is not None else []
        )
        self.pivot_choice.blockSignals(True)
        self.pivot_choice.clear()
        for p in self._pivots:
            self.pivot_choice.addItem(p.label, p.key)
        keys = self.pivot_keys()
        if previous_key in keys:
            self.pivot_choice.setCurrentIndex(keys.index(previous_key))
        self.pivot_choice.blockSignals(False)
        self.pivot_choice.setEnabled(bool(self._pivots))
        self._fill_pivot_list()
        self._cluster = None
        if anchor is not None:
            cluster_id = self.store.scalar("SELECT cluster_id FROM posts WHERE id = ?", (anchor,))
            if cluster_id is not None:
                size = pivots.cluster_size(self.store, int(cluster_id))
                self._cluster = (int(cluster_id), size)
        self.tag_button.setEnabled(self._cluster is not None and self._cluster[1] > 1)
        self.tag_button.setText(
            f"Tag cluster ({self._cluster[1]} posts)…" if self._cluster else "Tag cluster…"
        )
        self._show_pair()

    def _pivot_changed(self, _index: int) -> None:
        self.chosen = None
        self._fill_pivot_list()
        self._show_pair()

    def current_pivot(self) -> Pivot | None:
        index = self.pivot_choice.currentIndex()
        return self._pivots[index] if 0 <= index < len(self._pivots) else None

    def _fill_pivot_list(self) -> None:
        self.pivot_list.blockSignals(True)
        self.pivot_list.clear()
        pivot = self.current_pivot()
        hits = [] if pivot is None else self._safely(lambda: pivot.fetch(_FETCHED), [])
        more = len(hits) > LIST_LIMIT
        hits = hits[:LIST_LIMIT]
        self.pivot_ids = [int(h.post_id) for h in hits]
        summaries = post_summaries(self.store, self.pivot_ids)
        for hit in hits:
            s = summaries.get(int(hit.post_id))
            if s is None:
                continue
            snippet = " ".join(str(s["text"]).split())[:120]
            why = ""
            if hit.similarity is not None:
                why = f" · text {hit.similarity:.0%} alike (numbers aside)"
            elif hit.matched and pivot is not None and pivot.key == "indicators":
                why = f" · shares {hit.reason}"
            item = QListWidgetItem(
                f"#{hit.post_id} · {s['platform']} · @{s['handle'] or '?'} · "
                f"{to_local_text(s['posted_at'])} · {s['status']}{why} — {snippet}"
            )
            item.setData(Qt.ItemDataRole.UserRole, int(hit.post_id))
            item.setToolTip(str(s["text"]))
            self.pivot_list.addItem(item)
        if more:
            item = QListWidgetItem(
                f"Only the first {LIST_LIMIT} are listed: Open as filter shows them all"
            )
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.pivot_list.addItem(item)
        if not self.pivot_ids:
            item = QListWidgetItem("No other posts" if pivot else "No post selected")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.pivot_list.addItem(item)
        self.pivot_list.blockSignals(False)
        self.filter_button.setEnabled(bool(self.pivot_ids))

    def _safely(self, call: Callable[[], Any], default: Any) -> Any:
        """Run a look-up; a post gone from the store, or a store that cannot answer now (a
        team server's lock timeout or lost connection, a busy SQLite file), is said in one
        line, not raised into the event loop."""
        try:
            return call()
        except TriageError as exc:
            self._say(str(exc), error=True)
            return default
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            self._say(f"The store could not answer this look-up: {first}", error=True)
            return default

    def listed_ids(self) -> list[int]:
        """The posts in the pivot list, in order."""
        return list(self.pivot_ids)

    def open_as_filter(self) -> None:
        """Hand the current pivot (with the post it is about) to the queue as its filter."""
        pivot, anchor = self.current_pivot(), self.anchor
        if pivot is None or anchor is None:
            return
        ids = [int(i) for i in self._safely(pivot.filter_ids, [])]
        if not ids:
            return
        label = pivot.label if pivot.key.startswith("indicator") else f"{pivot.label} of #{anchor}"
        self.openAsFilter.emit(ids, label)

    def _row_chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        pid = item.data(Qt.ItemDataRole.UserRole)
        if pid is None:
            return
        self.chosen = int(pid)
        self._show_pair()

    # -- the two texts -----------------------------------------------------------------------
    def _pair(self) -> tuple[int | None, int | None, str, str]:
        """(left, right, left role, right role) from the pin, the current post and the list."""
        if self.pinned is not None:
            left, left_role = self.pinned, "Pinned"
            if self.chosen is not None and self.chosen != left:
                return left, self.chosen, left_role, "Picked"
            if self.current is not None and self.current != left:
                return left, self.current, left_role, "Current"
            return left, self._nearest(left), left_role, "Nearest duplicate"
        if self.current is None:
            return None, None, "", ""
        if self.chosen is not None and self.chosen != self.current:
            return self.current, self.chosen, "Current", "Picked"
        return self.current, self._nearest(self.current), "Current", "Nearest duplicate"

    def _near(self, post_id: int, limit: int) -> list[pivots.PivotHit]:
        """near_duplicates, asked once per refresh for the list and the nearest post alike."""
        if limit > _FETCHED:
            return pivots.near_duplicates(self.store, post_id, limit)
        if post_id not in self._near_cache:
            self._near_cache[post_id] = pivots.near_duplicates(self.store, post_id, _FETCHED)
        return self._near_cache[post_id][:limit]

    def _nearest(self, post_id: int) -> int | None:
        near = self._safely(lambda: self._near(post_id, 1), [])
        return int(near[0].post_id) if near else None

    def _show_pair(self) -> None:
        left, right, left_role, right_role = self._pair()
        self.left_id, self.right_id = left, right
        self.pin_button.blockSignals(True)
        self.pin_button.setChecked(self.pinned is not None)
        self.pin_button.setText("Unpin" if self.pinned is not None else "Pin")
        self.pin_button.blockSignals(False)
        self.pin_button.setEnabled(self.current is not None or self.pinned is not None)
        if self.pinned is not None:
            self.mode_label.setText(
                f"Pinned post #{self.pinned}; move through the queue to "
                "compare others with it (P unpins)"
            )
        else:
            self.mode_label.setText(
                "Following the nearest duplicate of the current post (P pins it)"
            )
        left_detail = self._detail(left)
        right_detail = self._detail(right)
        self.left_title.setText(_title_html(left_role, left_detail))
        self.right_title.setText(
            _title_html(right_role, right_detail)
            if right_detail
            else "<i>No near-duplicate found</i>"
        )
        if left_detail and right_detail:
            spans_l, spans_r = changed_word_spans(left_detail["text"], right_detail["text"])
            self.left_text.setHtml(
                render_diff_html(
                    left_detail["text"], spans_l, left_detail["indicators"], font_pt=TEXT_PT
                )
            )
            self.right_text.setHtml(
                render_diff_html(
                    right_detail["text"], spans_r, right_detail["indicators"], font_pt=TEXT_PT
                )
            )
            self.changed_left = [left_detail["text"][s:e] for s, e in spans_l]
            self.changed_right = [right_detail["text"][s:e] for s, e in spans_r]
            ratio = similarity_ratio(left_detail["text"], right_detail["text"])
            self.diff_summary.setText(_diff_summary(self.changed_left, self.changed_right, ratio))
        else:
            self.changed_left, self.changed_right = [], []
            self.left_text.setHtml(
                render_diff_html(
                    left_detail["text"], [], left_detail["indicators"], font_pt=TEXT_PT
                )
                if left_detail
                else ""
            )
            self.right_text.setHtml("")
            self.diff_summary.setText("")

    def _detail(self, post_id: int | None) -> dict[str, Any] | None:
        if post_id is None:
            return None
        try:
            return post_brief(self.store, post_id)
        except TriageError:
            return None

    # -- tagging a cluster -------------------------------------------------------------------
    def _fill_tag_menu(self) -> None:
        self.tag_menu.clear()
        for tag in self.store.taxonomy.values():
            action = self.tag_menu.addAction(tag.label)
            action.setObjectName(f"tagCluster_{tag.key}")
            action.setToolTip(tag.description)
            action.setData(tag.key)
            action.triggered.connect(lambda _checked=False, k=tag.key: self.confirm_tag_cluster(k))

    def cluster_ids(self) -> list[int]:
        """Every post in the anchor's cluster (empty when it is in none)."""
        if self._cluster is None:
            return []
        return [int(p) for p in pivots.cluster_members(self.store, self._cluster[0])]

    def confirm_tag_cluster(self, tag: str) -> str | None:
        """Ask, then tag the whole cluster; returns the batch id (None if declined or refused)."""
        ids = self.cluster_ids()
        if not ids:
            return None
        label = self.store.taxonomy[tag].label if tag in self.store.taxonomy else tag
        answer = QMessageBox.question(
            self,
            "Tag cluster",
            f"Tag all {len(ids)} posts of cluster #{self._cluster[0] if self._cluster else ''} "
            f"as “{label}”? Undo reverses it in one step.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        return self.tag_cluster(tag, ids)

    def tag_cluster(self, tag: str, ids: Sequence[int] | None = None) -> str | None:
        """Tag every post of the cluster in one decision batch (one undo); returns the batch."""
        ids = list(ids) if ids is not None else self.cluster_ids()
        if not ids:
            return None
        try:
            if self.tag_handler is not None:
                batch = self.tag_handler(ids, tag)
            else:
                batch = apply_tags(self.store, ids, add=[tag])
        except TriageError as exc:
            self._say(str(exc), error=True)
            return None
        label = self.store.taxonomy[tag].label if tag in self.store.taxonomy else tag
        self._say(f"Tagged {len(ids)} posts of the cluster as “{label}”")
        self.clusterTagged.emit(batch, ids, tag)
        self._refresh()
        return batch

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet("color:#b3261e" if error else "")
        self.status.setText(text)
        self.message.emit(text)

    def _pin_clicked(self, checked: bool) -> None:
        if checked:
            self.pin()
        else:
            self.unpin()


def _title_html(role: str, d: dict[str, Any] | None) -> str:
    if d is None:
        return ""
    e = html.escape
    account = d.get("account") or {}
    handle = account.get("handle") or account.get("platform_account_id") or "?"
    when = to_local_text(d["posted_at"])
    return (
        f"<b>{e(role)}</b> #{d['id']} · {e(d['platform'])} · @{e(str(handle))} · "
        f"{e(when)} · {e(d['status'])}"
    )


def _diff_summary(left: list[str], right: list[str], ratio: float) -> str:
    if not left and not right:
        return "The two texts have the same words"
    changes = max(len(left), len(right))
    return (
        f"{ratio:.0%} of the words in common; {changes} change{'s' if changes != 1 else ''} "
        "highlighted"
    )
