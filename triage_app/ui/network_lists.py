"""The network view's three lists, filled from what the store gave: every network (the overview),
one network's accounts, and the contact points they share. Each row carries the id it stands for
(ID_ROLE), so a sorted list still says which account or network a row is; numbers sort as
numbers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from .network_scene import KIND_LOOK, STATUS_LOOK, account_name, status_words

# (The account's group inside the network is in the picture and in each node's tooltip.)
ACCOUNT_HEADERS = ("Account", "Platform", "Status", "Posts", "Returning", "Links")
SHARED_HEADERS = ("Shared", "Value", "Accounts")
NETWORK_HEADERS = ("Network", "Accounts", "Links", "Platforms", "Status", "Returning", "Shared")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
CONTACT_KINDS = ("phone", "messaging", "payment", "email")
SHAPES = {"circle": "●", "diamond": "◆", "triangle": "▲", "square": "■"}


def legend_html() -> str:
    """The key to the picture: each status's colour and shape, outlines and lines."""
    marks = " &nbsp; ".join(
        f"<span style='color:{colour}'>{SHAPES[shape]}</span> {words}"
        for colour, shape, words in STATUS_LOOK.values()
    )
    return (
        f"{marks} &nbsp; <span style='color:#7A0019'>◯</span> dark outline: returning posts"
        " &nbsp;·&nbsp; lines: solid phone/messaging/payment, dashed e-mail, dotted picture, "
        "dash-dot text; thicker = stronger"
    )


def _item(value: object, row_id: object = None) -> QTableWidgetItem:
    """A read-only cell; numbers sort as numbers."""
    item = QTableWidgetItem()
    if isinstance(value, int):
        item.setData(Qt.ItemDataRole.DisplayRole, value)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    else:
        item.setText(str(value))
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if row_id is not None:
        item.setData(ID_ROLE, row_id)
    return item


def make_table(
    name: str, accessible: str, headers: tuple[str, ...], sort: tuple[int, Qt.SortOrder]
) -> QTableWidget:
    """A read-only sortable list, first sorted by ``sort`` (column, order)."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSortIndicator(*sort)
    table.setSortingEnabled(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[tuple[object, Sequence[object]]]) -> None:
    """Rows of (id, cells); sorting is off while filling (it would move rows under us)."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, (row_id, cells) in enumerate(rows):
        for c, value in enumerate(cells):
            table.setItem(r, c, _item(value, row_id))
    table.setSortingEnabled(True)


def fill_networks(table: QTableWidget, networks: Sequence[Mapping[str, Any]]) -> None:
    """The overview: one row per network, its id being its lowest account id."""
    rows = []
    for net in networks:
        shared = ", ".join(f"{s['shown']} ({s['accounts']})" for s in net["top_shared"][:3])
        cells = (
            net["id"],
            int(net["accounts"]),
            int(net["links"]),
            ", ".join(f"{p} {n}" for p, n in net["platforms"].items()),
            ", ".join(f"{status_words(s)} {n}" for s, n in net["statuses"].items()),
            int(net["returning_posts"]),
            shared,
        )
        rows.append((int(str(net["id"]).lstrip("N")), cells))
    _fill(table, rows)


def fill_accounts(
    table: QTableWidget, accounts: Iterable[Mapping[str, Any]], degree: Mapping[int, int]
) -> None:
    """One row per account: name, platform, status (its shape too) with its date, counts."""
    rows = []
    for a in accounts:
        aid = int(a["id"])
        status = status_words(a["status"]) + (
            f" {a['status_date']}" if a.get("status_date") else ""
        )
        shape = SHAPES[STATUS_LOOK.get(a["status"], STATUS_LOOK["new"])[1]]
        cells = (
            account_name(a),
            a["platform"],
            f"{shape} {status}",
            int(a["posts"]),
            int(a["returning_posts"]),
            int(degree.get(aid, 0)),
        )
        rows.append((aid, cells))
    _fill(table, rows)


def fill_shared(
    table: QTableWidget, links: Iterable[Mapping[str, Any]], shown: set[int]
) -> dict[str, set[int]]:
    """The contact points (phone, messaging, payment, e-mail) shared between the accounts
    shown, most shared first; returns each row's id -> the accounts that share it."""
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    words: dict[tuple[str, str], str] = {}
    for link in links:
        a, b = int(link["a"]), int(link["b"])
        if a not in shown or b not in shown:
            continue
        for s in link["shared"]:
            if s["kind"] in CONTACT_KINDS:
                holders[(s["kind"], s["value"])].update((a, b))
                words[(s["kind"], s["value"])] = s["shown"]
    order = sorted(holders, key=lambda k: (-len(holders[k]), k))
    _fill(
        table,
        [
            (
                f"{kind}\x1f{value}",
                (KIND_LOOK[kind][0], words[(kind, value)], len(holders[(kind, value)])),
            )
            for kind, value in order
        ],
    )
    table.clearSelection()
    return {f"{kind}\x1f{value}": holders[(kind, value)] for kind, value in order}


def row_ids(table: QTableWidget) -> list[Any]:
    """The rows' ids in the list's current (sorted) order."""
    out = []
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        if item is not None:
            out.append(item.data(ID_ROLE))
    return out


def select_id(table: QTableWidget, row_id: object) -> None:
    """Select (and scroll to) the row of ``row_id``; nothing selected when it has none."""
    table.clearSelection()
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        if item is not None and item.data(ID_ROLE) == row_id:
            table.selectRow(row)
            table.scrollToItem(item)
            return
