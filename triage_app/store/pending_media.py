"""The media files a background step (OCR of pictures, key frames of videos) has not read yet:
one query shape and one paging loop for both, so they select and page alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .connection import Store


@dataclass(frozen=True)
class PendingMedia:
    """Media of ``kinds`` (or of a MIME type starting ``mime_prefix``) that have no row yet in
    ``done_table`` (keyed by ``media_id``), present in the evidence folder."""

    kinds: tuple[str, ...]
    mime_prefix: str
    done_table: str

    def sql(self, columns: str) -> str:
        kinds = ",".join(f"'{k}'" for k in self.kinds)
        return (
            f"SELECT {columns} FROM media m JOIN posts p ON p.id = m.post_id "
            f"LEFT JOIN {self.done_table} d ON d.media_id = m.id "
            f"WHERE d.media_id IS NULL AND m.missing = 0 AND (m.kind IN ({kinds}) "
            f"OR m.mime LIKE '{self.mime_prefix}%')"
        )

    def count(self, store: Store) -> int:
        return int(store.scalar(self.sql("count(*)")))

    def rows(self, store: Store, columns: str, page: int) -> Iterator[tuple[Any, ...]]:
        """Rows (``m.id`` first in ``columns``) in id order, ``page`` at a time; each page is
        asked anew, so a row written while the caller works is not read twice."""
        after = 0
        while True:
            rows = store.execute(
                self.sql(columns) + " AND m.id > ? ORDER BY m.id LIMIT ?", (after, page)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                after = row[0]
                yield tuple(row)
