"""The window's remembered settings, kept in an INI file in the data folder (not the registry or
~/.config), so a locked-down workstation keeps everything of the program in one place.

Window geometry and state, column widths, the last view, saved views, "advance after tag",
the idle-lock delay, the clipboard-clear delay and the active reviewing time after which a
break is suggested."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ..store.queue import QueueQuery

IDLE_LOCK_MINUTES = 10
CLIPBOARD_CLEAR_SECONDS = 30
BREAK_AFTER_MINUTES = 50


def query_to_dict(query: QueueQuery) -> dict[str, Any]:
    data = dataclasses.asdict(query)
    data.pop("extra", None)
    data["pivot"] = list(query.pivot) if query.pivot is not None else None
    return data


def query_from_dict(data: dict[str, Any]) -> QueueQuery:
    known = {f.name for f in dataclasses.fields(QueueQuery)} - {"extra"}
    kwargs = {k: v for k, v in data.items() if k in known}
    if kwargs.get("pivot") is not None:
        kwargs["pivot"] = tuple(int(i) for i in kwargs["pivot"])
    return QueueQuery(**kwargs)


class WindowSettings:
    """Typed access to the settings file."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "window.ini"
        self._q = QSettings(str(self.path), QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._q.sync()

    # -- window ---------------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def state(self) -> QByteArray | None:
        value = self._q.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def splitter(self) -> QByteArray | None:
        value = self._q.value("window/splitter")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)
        self._q.setValue("window/splitter", splitter)

    def column_widths(self) -> list[int]:
        raw = self._q.value("queue/column_widths", "")
        try:
            return [int(w) for w in json.loads(str(raw))] if raw else []
        except (ValueError, TypeError):
            return []

    def set_column_widths(self, widths: list[int]) -> None:
        self._q.setValue("queue/column_widths", json.dumps(widths))

    # -- views ----------------------------------------------------------------------------------
    @staticmethod
    def _last_view_key(user: str | None) -> str:
        """Each person's last view is their own (one settings file serves every login of a
        data folder); the name is hex-encoded so that any login name is a valid key."""
        if not user:
            return "queue/last_view"
        return f"last_view_by_user/{user.encode('utf-8').hex()}"

    def last_view(self, user: str | None = None) -> QueueQuery | None:
        raw = self._q.value(self._last_view_key(user), "")
        return self._decode(raw)

    def set_last_view(self, query: QueueQuery, user: str | None = None) -> None:
        self._q.setValue(self._last_view_key(user), json.dumps(query_to_dict(query)))

    def saved_views(self) -> dict[str, QueueQuery]:
        raw = self._q.value("queue/saved_views", "")
        try:
            data = json.loads(str(raw)) if raw else {}
        except ValueError:
            return {}
        out = {}
        for name, value in data.items():
            query = self._decode(json.dumps(value))
            if query is not None:
                out[str(name)] = query
        return out

    def save_view(self, name: str, query: QueueQuery) -> None:
        views = {k: query_to_dict(v) for k, v in self.saved_views().items()}
        views[name] = query_to_dict(query)
        self._q.setValue("queue/saved_views", json.dumps(views, ensure_ascii=False))

    def delete_view(self, name: str) -> None:
        views = {k: query_to_dict(v) for k, v in self.saved_views().items() if k != name}
        self._q.setValue("queue/saved_views", json.dumps(views, ensure_ascii=False))

    @staticmethod
    def _decode(raw: object) -> QueueQuery | None:
        if not raw:
            return None
        try:
            return query_from_dict(json.loads(str(raw)))
        except (ValueError, TypeError):
            return None  # a hand-edited or older settings file: start from the default view

    # -- team server ----------------------------------------------------------------------------
    def team_server(self, user: str) -> str | None:
        """The team server address this login chose at first start (ui/team_connect.py), or
        None; kept per person like the last view, and never with a password in it."""
        value = self._q.value(f"team_server_by_user/{user.encode('utf-8').hex()}", "")
        return str(value) if value else None

    def set_team_server(self, user: str, url: str | None) -> None:
        key = f"team_server_by_user/{user.encode('utf-8').hex()}"
        if url:
            self._q.setValue(key, url)
        else:
            self._q.remove(key)

    # -- behaviour ------------------------------------------------------------------------------
    def _bool(self, key: str, default: bool) -> bool:
        value = self._q.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def _number(self, key: str, default: float) -> float:
        try:
            return float(self._q.value(key, default))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return default

    @property
    def advance_after_tag(self) -> bool:
        return self._bool("behaviour/advance_after_tag", True)

    @advance_after_tag.setter
    def advance_after_tag(self, value: bool) -> None:
        self._q.setValue("behaviour/advance_after_tag", bool(value))

    @property
    def idle_lock_minutes(self) -> float:
        return self._number("security/idle_lock_minutes", IDLE_LOCK_MINUTES)

    @idle_lock_minutes.setter
    def idle_lock_minutes(self, value: float) -> None:
        self._q.setValue("security/idle_lock_minutes", float(value))

    @property
    def clipboard_clear_seconds(self) -> float:
        return self._number("security/clipboard_clear_seconds", CLIPBOARD_CLEAR_SECONDS)

    @clipboard_clear_seconds.setter
    def clipboard_clear_seconds(self, value: float) -> None:
        self._q.setValue("security/clipboard_clear_seconds", float(value))

    @property
    def break_after_minutes(self) -> float:
        """Active reviewing minutes before a break is suggested; a value that is not a
        positive number (hand-edited file) falls back to the default rather than stopping
        the window from opening."""
        value = self._number("wellbeing/break_after_minutes", BREAK_AFTER_MINUTES)
        return value if math.isfinite(value) and value > 0 else float(BREAK_AFTER_MINUTES)

    @break_after_minutes.setter
    def break_after_minutes(self, value: float) -> None:
        self._q.setValue("wellbeing/break_after_minutes", float(value))
