"""A post as the store writes it: the values of its rows worked out from the PostRecord —
the uuids, the extra fields as JSON, the text the search index gets (with a voice message's
transcript) — as one plain tuple of strings and numbers.

Why a separate step: a plain tuple is cheap to send between processes, so a big file's posts
are prepared in the reading process (ingest/parse_process.py) and the writing process mostly
binds them to SQL. The search form (core/search_normal.py: fold) is worked out by the writer,
for new posts only: the reading process was the slower of the two at 1M posts, and a re-import
then folds nothing. Small files prepare posts on the importing side: the same function.

The tuple, in order (unpack it in this order; ``Prepared`` names the fields):
uuid, platform, post_id, account, kind, parent_post_id, url, created_at, text, language, raw,
extra (JSON or None), search_text, handle, name (not yet folded: ``fold_name`` for the last
two), media (list of MediaRecord or None); from :func:`prepare_keyed` (an import into a team
server) search_text, handle and name are folded already and their search keys follow media
(``_fold_sql.search_key_of``: the server then computes none, pg_migrations/s002_search_keys.py);
``account`` is None or (platform, account_id, uuid, handle, display_name, url, created_at,
followers)."""

from __future__ import annotations

import hashlib
import json
import sys
import uuid as uuidlib
from functools import lru_cache
from typing import Any

from ..core.records import PostRecord
from ..core.search_normal import fold
from ..store.pg_migrations._fold_sql import search_key_of

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


# An account posts many times: its uuid and the search form of its handle and name are worked
# out once (bounded caches: an export of a million accounts only loses the reuse).
_account_uuid = lru_cache(maxsize=1 << 15)(account_uuid)
fold_name = lru_cache(maxsize=1 << 15)(fold)


def _itself(value: tuple[Any, ...]) -> tuple[Any, ...]:
    return value


# One object for equal values that many posts repeat (an account's tuple; the platform, kind
# and language): a big file's chunks are pickled to the writing process, and pickle writes an
# object it has seen in the chunk as a reference, which the writer unpickles for nothing
# (100,000 demo posts: unpickling 1.08 -> 0.46 s, pickling 0.72 -> 0.30 s).
_seen_tuple = lru_cache(maxsize=1 << 15)(_itself)


def _one_tuple(value: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        return _seen_tuple(value)
    except TypeError:  # a value that cannot be hashed: the tuple as it is
        return value


def _shared(value: Any) -> Any:
    return sys.intern(value) if type(value) is str else value


def prepare(p: PostRecord) -> Prepared:
    """The values of ``p``'s rows (see the module docstring for the order)."""
    acc = p.account
    if acc is None:
        account = None
        handle = name = None
    else:
        handle, name = acc.handle, acc.display_name
        account = _one_tuple(
            (
                acc.platform,
                acc.account_id,
                _account_uuid(acc.platform, acc.account_id),
                handle,
                name,
                acc.url,
                acc.created_at,
                acc.followers,
            )
        )
    extra = json.dumps(p.extra, ensure_ascii=False, default=str) if p.extra else None
    spoken = p.extra.get("voice_to_text") if p.extra else None
    searchable = f"{p.text}\n{spoken}" if isinstance(spoken, str) and spoken else p.text
    return (
        post_uuid(p.platform, p.post_id),
        _shared(p.platform),
        p.post_id,
        account,
        _shared(p.kind),
        p.parent_post_id,
        p.url,
        p.created_at,
        p.text,
        _shared(p.language),
        p.raw,
        extra,
        searchable,
        handle,
        name,
        p.media or None,
    )


@lru_cache(maxsize=1 << 15)
def _name_key(value: str | None) -> str:
    return search_key_of(value, folded=True) if value else ""


def prepare_keyed(p: PostRecord) -> Prepared:
    """:func:`prepare` for an import into a team server: the search text, handle and name
    folded here, and their search keys (what the server's ``search_key`` gives; '' for none)
    after the media. In the reading process of a big file this work runs beside the writer
    and the server, which wait for each other (a million posts: about 8 s of CPU, fold and
    keys, off the import's critical path)."""
    prepared = prepare(p)
    text = fold(prepared[12])
    handle, name = fold_name(prepared[13]), fold_name(prepared[14])
    return (
        *prepared[:12],
        text,
        handle,
        name,
        prepared[15],
        search_key_of(text, folded=True) if text else "",
        _name_key(handle),
        _name_key(name),
    )
