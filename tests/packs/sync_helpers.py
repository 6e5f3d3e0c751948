"""Building blocks for the sync tests: field stores with their own work, exchanging packs, and
a snapshot of everything sync must make identical."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage_app.ingest.pipeline import import_paths
from triage_app.packs import signing
from triage_app.packs.sync import export_sync_pack, import_sync_pack, sync_recipient
from triage_app.packs.sync_export import SYNC_ACTIONS
from triage_app.store.connection import Store
from triage_app.store.four_eyes import set_self_approval
from triage_app.store.opening import open_for_user
from triage_app.store.personal_keys import personal_key_for, registered_public_key
from triage_app.store.users import add_user

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def write_export(folder: Path, ids: range, tag: str) -> Path:
    """A generic JSONL export of posts p<i> (same natural keys across stores), media on some."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in ids:
        media = []
        if i % 4 == 0:
            name = f"img{i}.png"
            (folder / name).write_bytes(PNG + i.to_bytes(4, "big"))
            media.append(name)
        rows.append(
            {
                "platform": "facebook",
                "post_id": f"p{i}",
                "url": f"https://facebook.example/p{i}",
                "created_at": "2025-04-01T08:00:00Z",
                "text": f"Boat to UK {i}, 1500 EUR, WhatsApp +44 7700 900{i:03d}"
                if i % 3
                else f"رحلة إلى بريطانيا {i}",
                "author_id": f"a{i % 5}",
                "author_handle": f"smuggler{i % 5}",
                "author_name": f"Agent {i % 5}",
                "language": "ar" if i % 3 == 0 else "en",
                "media": media,
            }
        )
    path = folder / f"export-{tag}.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


class Field:
    """One store with its supervisor (a one-person team: self-approval on), sync key and signer
    key file."""

    def __init__(self, root: Path, name: str, user: str) -> None:
        self.name = name
        self.user = user
        self.folder = root / name
        self.folder.mkdir(parents=True)
        self.store: Store = open_for_user(self.folder / "store.db", create=True, user=user)
        self.recipient = sync_recipient(self.store)
        signing.signing_key(self.store.store_id)
        self.signer = self.folder / "signer.pub"
        self.signer.write_text(signing.public_key_text(self.store.store_id))
        set_self_approval(self.store, True)
        self.packs = 0

    def public_key(self) -> str:
        """This store's person's personal public key (``triage keys export-personal``)."""
        return personal_key_for(self.store).public_text()

    def register(self, *others: Field, role: str = "supervisor") -> None:
        """A supervisor here registers the people of ``others`` with their keys and a role, as
        must happen before their work can be imported (the same login is one person with one
        key everywhere, so a person already registered here is left alone)."""
        for other in others:
            if registered_public_key(self.store.conn, other.user) == other.public_key():
                continue
            add_user(self.store, other.user, role, public_key=other.public_key())

    def import_posts(self, ids: range) -> None:
        src = write_export(self.folder / "incoming", ids, f"{ids.start}-{ids.stop}")
        summaries = import_paths(self.store, [src])
        assert all(s.error is None for s in summaries), summaries

    def post_id(self, natural: str) -> int:
        return int(
            self.store.scalar(
                "SELECT id FROM posts WHERE platform = 'facebook' AND platform_post_id = ?",
                (natural,),
            )
        )

    def status(self, natural: str) -> str:
        return str(
            self.store.scalar(
                "SELECT status FROM posts WHERE platform = 'facebook' AND platform_post_id = ?",
                (natural,),
            )
        )

    def export_to(self, peer: Field, out_dir: Path | None = None) -> Path:
        self.packs += 1
        out = (out_dir or self.folder) / f"{self.name}-to-{peer.name}-{self.packs}.age"
        export_sync_pack(self.store, peer.recipient, out)
        return out

    def receive(self, pack: Path, sender: Field) -> Any:
        return import_sync_pack(self.store, pack, sender.signer)


def snapshot(store: Store) -> dict[str, Any]:
    """Everything sync promises to make identical, by natural key and uuid (never local ids).

    Audit rows: the store's own chain plus the peers' rows, as (origin, uuid, hash), leaving
    out each store's record of its own pack transfers (see docs/security.md)."""
    own = store.store_id
    q = store.execute

    def post_key(column: str) -> str:
        return f"(SELECT platform || ':' || platform_post_id FROM posts WHERE id = {column})"

    marks = ",".join("?" * len(SYNC_ACTIONS))
    return {
        "posts": sorted(
            q(
                "SELECT p.platform, p.platform_post_id, p.text, p.url, p.posted_at, p.language, "
                "p.status, p.note, a.platform || ':' || a.platform_account_id FROM posts p "
                "LEFT JOIN accounts a ON a.id = p.account_id"
            ).fetchall()
        ),
        "raw": sorted(q(f"SELECT {post_key('r.post_id')}, r.raw FROM post_raw r").fetchall()),
        "accounts": sorted(
            q(
                "SELECT platform, platform_account_id, uuid, handle, display_name, url, "
                "created_at, "
                "followers FROM accounts"
            ).fetchall()
        ),
        "post_tags": sorted(
            q(f"SELECT {post_key('t.post_id')}, t.tag, t.actor, t.at FROM post_tags t").fetchall()
        ),
        "decisions": sorted(
            q(
                f"SELECT d.uuid, {post_key('d.post_id')}, d.kind, d.tag, d.note, d.actor, d.at, "
                "d.workstation, d.batch, d.undoes, coalesce(o.store_id, ?) FROM decisions d "
                "LEFT JOIN decision_origin o ON o.uuid = d.uuid",
                (own,),
            ).fetchall()
        ),
        "media": sorted(
            q(f"SELECT {post_key('m.post_id')}, m.kind, m.sha256, m.size FROM media m").fetchall(),
            key=repr,
        ),
        "outcomes": sorted(
            q(
                "SELECT o.uuid, a.platform_account_id, o.outcome, o.on_date, o.actor, o.at "
                "FROM outcomes o JOIN accounts a ON a.id = o.account_id"
            ).fetchall()
        ),
        "audit": sorted(
            q(
                f"SELECT ?, uuid, hash FROM audit WHERE action NOT IN ({marks})",
                (own, *SYNC_ACTIONS),
            ).fetchall()
            + q(
                f"SELECT origin, uuid, hash FROM peer_audit WHERE action NOT IN ({marks})",
                SYNC_ACTIONS,
            ).fetchall()
        ),
    }
