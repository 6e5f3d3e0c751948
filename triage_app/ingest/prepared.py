"""A post as the store writes it: every value of its rows worked out from the PostRecord —
the uuids, the extra fields as JSON, the search form of its text, handle and name — as one
plain tuple of strings and numbers.

Why a separate step: it is most of the per-post Python work of an import, and a plain tuple is
cheap to send between processes, so a big file's posts are prepared in the reading process
(ingest/parse_process.py) and the writing process only binds them to SQL. Small files prepare
them on the importing side: the same function either way.

The tuple, in order (unpack it in this order; ``Prepared`` names the fields):
uuid, platform, post_id, account, kind, parent_post_id, url, created_at, text, language, raw,
extra (JSON or None), fts_text, fts_handle, fts_name, media (list of MediaRecord or None);
``account`` is None or (platform, account_id, uuid, handle, display_name, url, created_at,
followers)."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from typing import Any

from ..core.records import PostRecord
from ..core.search_normal import fold

NAMESPACE = uuidlib.UUID("6f1d3c2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f")
_NAMESPACE_BYTES = NAMESPACE.bytes

Prepared = tuple[Any, ...]


def _uuid5(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))`` without building a UUID object: the same SHA-1
    and bits, formatted directly (it runs once a post; uuid5 was a tenth of an import)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def post_uuid(platform: str, post_id: str) -> str:
    return _uuid5(f"post\x00{platform}\x00{post_id}")


def account_uuid(platform: str, account_id: str) -> str:
    return _uuid5(f"account\x00{platform}\x00{account_id}")


def prepare(p: PostRecord) -> Prepared:
    """The values of ``p``'s rows (see the module docstring for the order)."""
    acc = p.account
    if acc is None:
        account = None
        handle = name = None
    else:
        handle, name = acc.handle, acc.display_name
        account = (
            acc.platform,
            acc.account_id,
            account_uuid(acc.platform, acc.account_id),
            handle,
            name,
            acc.url,
            acc.created_at,
            acc.followers,
        )
    extra = json.dumps(p.extra, ensure_ascii=False, default=str) if p.extra else None
    spoken = p.extra.get("voice_to_text") if p.extra else None
    searchable = f"{p.text}\n{spoken}" if isinstance(spoken, str) and spoken else p.text
    return (
        post_uuid(p.platform, p.post_id),
        p.platform,
        p.post_id,
        account,
        p.kind,
        p.parent_post_id,
        p.url,
        p.created_at,
        p.text,
        p.language,
        p.raw,
        extra,
        # the index holds the search form (core/search_normal.py); posts.text stays as is
        fold(searchable),
        fold(handle),
        fold(name),
        p.media or None,
    )
