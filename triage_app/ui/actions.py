"""The one table of window actions: each enum member gives its menu, text, shortcut and tooltip.

Menus, shortcuts, tooltips and the shortcut sheet are all built from this table (Picard's action
registry, Anki's key table), so a key can never be documented in one place and bound in another.
Tag actions are generated from the store's taxonomy by :func:`tag_specs`."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from ..core.taxonomy import Tag


class Scope(enum.Enum):
    """Where a shortcut listens: the whole window, or only the review area (queue + preview),
    so that plain letter and number keys never fire while typing in the search box."""

    WINDOW = "window"
    REVIEW = "review"


@dataclass(frozen=True)
class ActionSpec:
    menu: str
    text: str
    shortcuts: tuple[str, ...]
    tooltip: str
    scope: Scope = Scope.WINDOW
    supervisor_only: bool = False
    checkable: bool = False


class ActionId(enum.Enum):
    IMPORT = ActionSpec("File", "&Import…", ("Ctrl+I",), "Import export files or folders")
    EXPORT_PACK = ActionSpec(
        "File",
        "Export referral &pack…",
        ("Ctrl+E",),
        "Build an encrypted, signed referral pack (supervisors)",
        supervisor_only=True,
    )
    ADDRESS_BOOK = ActionSpec(
        "File",
        "&Liaison address book…",
        ("Ctrl+Shift+L",),
        "The liaisons' age public keys that referral packs are encrypted to (supervisors)",
        supervisor_only=True,
    )
    SYNC = ActionSpec(
        "File",
        "S&ync with a field laptop…",
        ("Ctrl+Shift+Y",),
        "Send work to a peer store or merge its sync pack (supervisors)",
        supervisor_only=True,
    )
    COPY_TEXT = ActionSpec(
        "File",
        "&Copy post text",
        ("Ctrl+Shift+C",),
        "Copy the current post's text; the clipboard is cleared after a while",
        Scope.REVIEW,
    )
    LOCK = ActionSpec("File", "&Lock", ("Ctrl+L",), "Lock the window and close the store")
    QUIT = ActionSpec("File", "&Quit", ("Ctrl+Q",), "Close the program")
    UNDO = ActionSpec("Edit", "&Undo", ("Ctrl+Z",), "Undo your last tag, note or bulk action")
    REDO = ActionSpec("Edit", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo what you undid")
    FOCUS_SEARCH = ActionSpec("Edit", "&Find…", ("Ctrl+F", "/"), "Put the cursor in the search box")
    FOCUS_NOTE = ActionSpec(
        "Edit",
        "Write a &note",
        ("N",),
        "Put the cursor in the note field (Enter saves)",
        Scope.REVIEW,
    )
    FOCUS_QUEUE = ActionSpec(
        "Edit",
        "Back to the &queue",
        ("Esc",),
        "Leave the search box or note field and return to the queue",
    )
    NEXT_POST = ActionSpec(
        "Go", "&Next post", ("J",), "Move to the next post (or Down arrow)", Scope.REVIEW
    )
    PREVIOUS_POST = ActionSpec(
        "Go", "&Previous post", ("K",), "Move to the previous post (or Up arrow)", Scope.REVIEW
    )
    PIN_COMPARE = ActionSpec(
        "Go",
        "&Pin for comparison",
        ("P",),
        "Pin the current post in the compare pane; on the pinned post, unpin it",
        Scope.REVIEW,
    )
    REVEAL_MEDIA = ActionSpec(
        "Go",
        "Reveal &media",
        ("M",),
        "Show the current post's blurred pictures, or blur them again",
        Scope.REVIEW,
    )
    OPEN_PICTURE = ActionSpec(
        "Go",
        "Open pi&cture",
        ("Shift+M",),
        "Open the current post's picture in the viewer (zoom, fit, 1:1, pan, rotate), "
        "blurred until you show it",
        Scope.REVIEW,
    )
    RECORD_OUTCOME = ActionSpec(
        "Edit",
        "Record &outcome…",
        ("Ctrl+Shift+O",),
        "Record whether the current post's referred account was taken down (supervisors)",
        supervisor_only=True,
    )
    ADVANCE_AFTER_TAG = ActionSpec(
        "Tag",
        "&Advance after tagging",
        ("Ctrl+Shift+A",),
        "Move to the next post after a tag key",
        checkable=True,
    )
    REFRESH = ActionSpec("View", "&Refresh queue", ("F5",), "Run the queue query again")
    CLEAR_FILTERS = ActionSpec(
        "View",
        "&Clear filters",
        ("Ctrl+Shift+R",),
        "Show every post: clear filters, search and pivots",
    )
    SAVE_VIEW = ActionSpec(
        "View", "&Save view…", ("Ctrl+S",), "Name the current filters and sort to reopen them later"
    )
    SUPERVISOR_VIEW = ActionSpec(
        "View",
        "Super&visor review",
        ("Ctrl+2",),
        "Approve or reject tagged posts (supervisors)",
        supervisor_only=True,
    )
    STATS_VIEW = ActionSpec("View", "S&tatistics", ("Ctrl+3",), "Counts and trends of the store")
    AUDIT_VIEW = ActionSpec("View", "&Audit trail", ("Ctrl+4",), "The hash-chained audit trail")
    BLIND_REVIEW = ActionSpec(
        "View",
        "&Blind review",
        ("Ctrl+5",),
        "Second-review posts without seeing the first tags; supervisors also sample and compare",
    )
    RETURNED_VIEW = ActionSpec(
        "View",
        "Returned to &me",
        ("Ctrl+6",),
        "Your tagged posts that a supervisor rejected, with the reason beside each",
    )
    NETWORK_VIEW = ActionSpec(
        "View",
        "&Network of this account",
        ("Ctrl+7",),
        "The network of the current post's account: linked accounts, what they share, "
        "their posts over time; with no post selected, every network",
    )
    VERIFY_AUDIT = ActionSpec(
        "View",
        "&Verify audit chain",
        # Not Ctrl+Shift+V: the audit tab binds that key itself, and two live bindings of one
        # key make Qt fire neither.
        ("Ctrl+Shift+H",),
        "Check every audit row's hash and link, and name the first bad row",
    )
    QUEUE_TAB = ActionSpec("View", "&Queue", ("Ctrl+1",), "Back to the review queue")
    SHORTCUTS = ActionSpec("Help", "&Keyboard shortcuts", ("?", "F1"), "Every action and its key")
    ABOUT = ActionSpec("Help", "&About", (), "About this program")

    @property
    def spec(self) -> ActionSpec:
        return self.value  # type: ignore[no-any-return]


MENU_ORDER = ("File", "Edit", "Go", "Tag", "View", "Help")


def tag_specs(taxonomy: Iterable[Tag]) -> list[tuple[Tag, ActionSpec]]:
    """One review-area action per tag that has a number key (and the ones without, unkeyed)."""
    out = []
    for tag in taxonomy:
        keys = (tag.number_key,) if tag.number_key else ()
        tip = f"Toggle “{tag.label}” on the selected posts"
        if tag.description:
            tip += f" — {tag.description}"
        out.append((tag, ActionSpec("Tag", tag.label, keys, tip, Scope.REVIEW)))
    return out


def make_action(
    spec: ActionSpec, parent: QWidget, handler: Callable[[], object], review_area: QWidget
) -> QAction:
    """A QAction for ``spec``: its shortcut lives on the window or on the review area."""
    action = QAction(spec.text, parent)
    action.setShortcuts([QKeySequence(k) for k in spec.shortcuts])
    keys = ", ".join(spec.shortcuts)
    action.setToolTip(f"{spec.tooltip} ({keys})" if keys else spec.tooltip)
    action.setStatusTip(spec.tooltip)
    action.setCheckable(spec.checkable)
    if spec.scope is Scope.REVIEW:
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        review_area.addAction(action)
    else:
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        parent.addAction(action)
    if spec.checkable:
        action.toggled.connect(lambda _checked: handler())
    else:
        action.triggered.connect(lambda _checked=False: handler())
    return action


def shortcut_rows(taxonomy: Iterable[Tag]) -> list[tuple[str, str, str, str]]:
    """(menu, action, keys, what it does) for every action: the shortcut sheet's content."""
    rows = []
    for member in ActionId:
        s = member.spec
        rows.append((s.menu, s.text.replace("&", ""), ", ".join(s.shortcuts), s.tooltip))
    for _tag, s in tag_specs(taxonomy):
        rows.append((s.menu, s.text, ", ".join(s.shortcuts), s.tooltip))
    order = {m: i for i, m in enumerate(MENU_ORDER)}
    rows.sort(key=lambda r: order.get(r[0], 99))
    return rows
