"""The pack's tables for the platform's tools — posts.jsonl, posts.csv, accounts.csv — and
manifest.json, each written row by row into a ZIP entry (no size limit)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.csvsafe import SafeWriter, inert
from ..core.timeutil import to_utc_iso
from .contents import PackSelection, PostItem, evidence_folder
from .html import PackHeader
from .networks import NetworkSummary, distinct
from .zipstream import Entry, TextSink

FORMAT = "triage-referral-pack"
FORMAT_VERSION = 1


def post_record(post: PostItem, selection: PackSelection) -> dict[str, Any]:
    account = selection.accounts[post.account_id]
    return {
        "post_uuid": post.uuid,
        "platform": post.platform,
        "post_id": post.platform_post_id,
        "kind": post.kind,
        "parent_post_id": post.parent_post_id,
        "url": post.url,
        "posted_at": post.posted_iso,
        "language": post.language,
        "text": post.text,
        "account": {
            "account_id": account.platform_account_id or None,
            "handle": account.handle,
            "display_name": account.display_name,
            "url": account.url,
        },
        "tags": list(post.tags),
        "evidence": {
            "raw": post.raw_entry,
            "media": [
                {
                    "kind": m.kind,
                    "file": m.entry,
                    "sha256_at_import": m.sha256,
                    "url": m.url,
                    "mime": m.mime,
                    "collected": m.entry is not None,
                }
                for m in post.media
            ],
        },
        "imported_at": post.imported_at,
    }


def write_posts_jsonl(out: TextSink, posts: Iterable[PostItem], selection: PackSelection) -> None:
    """posts.jsonl: one JSON object per post (text, account, tags, evidence files)."""
    for post in posts:
        out.write(json.dumps(post_record(post, selection), ensure_ascii=False, sort_keys=True))
        out.write("\n")


POST_COLUMNS = [
    "post_uuid",
    "post_id",
    "url",
    "posted_at",
    "account_id",
    "handle",
    "kind",
    "language",
    "tags",
    "text",
    "media_files",
    "evidence_folder",
]
ACCOUNT_COLUMNS = [
    "account_id",
    "handle",
    "display_name",
    "url",
    "followers",
    "created_at",
    "posts",
    "categories",
    # the account's network (packs/networks.py); empty when it is linked to nobody
    "network",
    "network_accounts",
    "network_platforms",
    "network_taken_down",
    "network_shared",
    "network_picture",
]


def write_posts_csv(out: TextSink, posts: Iterable[PostItem], selection: PackSelection) -> None:
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(POST_COLUMNS)
    for post in posts:
        account = selection.accounts[post.account_id]
        writer.writerow(
            [
                post.uuid,
                post.platform_post_id,
                post.url or "",
                post.posted_iso or "",
                account.platform_account_id,
                account.handle or "",
                post.kind,
                post.language or "",
                ";".join(post.tags),
                post.text,
                sum(1 for m in post.media if m.entry),
                f"evidence/{post.folder}/",
            ]
        )


def write_accounts_csv(
    out: TextSink,
    selection: PackSelection,
    networks: Mapping[int, NetworkSummary] | None = None,
) -> None:
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(ACCOUNT_COLUMNS)
    for key, account in selection.accounts.items():
        net = (networks or {}).get(key) if key is not None else None
        network = (
            [
                net.id,
                net.accounts,
                net.platforms_text(),
                net.taken_down,
                net.shared_text(),
                net.picture,
            ]
            if net is not None
            else ["", "", "", "", "", ""]
        )
        writer.writerow(
            [
                account.platform_account_id,
                account.handle or "",
                account.display_name or "",
                account.url or "",
                "" if account.followers is None else account.followers,
                to_utc_iso(account.created_at) or "",
                account.posts,
                ";".join(sorted(account.tags)),
                *network,
            ]
        )


def csv_safe(text: str) -> str:
    """Stop spreadsheet formula injection (see core/csvsafe.py; every CSV cell goes through it)."""
    return str(inert(text))


def write_manifest(
    out: TextSink,
    entries: list[Entry],
    selection: PackSelection,
    header: PackHeader,
    posts: list[tuple[Any, ...]],
    media_files: int,
    audit_head: str,
    checkpoint: dict[str, Any] | None = None,
    networks: Mapping[int, NetworkSummary] | None = None,
) -> None:
    """manifest.json, streamed: the header fields (with the accounts' networks), then the
    posts (``posts``: (uuid, post id, account id, url, tags) each), accounts (each with its
    network's id) and files."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    head = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pack_id": header.pack_id,
        "platform": selection.platform,
        "created": header.created,
        "creator": header.creator,
        "store_id": header.store_id,
        "audit_head": audit_head,
        "counts": {
            "posts": len(selection.post_ids),
            "accounts": selection.account_count,
            "media_files": media_files,
            "files": len(entries) + 2,
        },
    }
    if checkpoint is not None:  # the signed audit checkpoint (also checkpoint.json)
        head["checkpoint"] = checkpoint
    if networks is not None:  # the networks of the pack's accounts (packs/networks.py)
        head["networks"] = [n.manifest() for n in distinct(networks)]
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {dump(key)}: {dump(value)},\n")
    out.write('  "posts": [\n')
    for i, (uuid, post_id, account_id, url, tags) in enumerate(posts):
        sep = "," if i + 1 < len(posts) else ""
        out.write(
            "    "
            + dump(
                {
                    "post_uuid": uuid,
                    "post_id": post_id,
                    "account_id": account_id or None,
                    "url": url,
                    "evidence": f"evidence/{evidence_folder(post_id, uuid)}/",
                    "tags": list(tags),
                }
            )
            + sep
            + "\n"
        )
    out.write('  ],\n  "accounts": [\n')
    accounts = [(k, a) for k, a in selection.accounts.items() if k is not None]
    for i, (account_key, account) in enumerate(accounts):
        net = (networks or {}).get(account_key) if account_key is not None else None
        sep = "," if i + 1 < len(accounts) else ""
        out.write(
            "    "
            + dump(
                {
                    "account_id": account.platform_account_id,
                    "handle": account.handle,
                    "url": account.url,
                    "posts": account.posts,
                    "categories": sorted(account.tags),
                    "network": net.id if net is not None else None,
                }
            )
            + sep
            + "\n"
        )
    out.write('  ],\n  "files": [\n')
    for i, entry in enumerate(entries):
        sep = "," if i + 1 < len(entries) else ""
        out.write(
            "    "
            + dump({"path": entry.name, "size": entry.size, "sha256": entry.sha256})
            + sep
            + "\n"
        )
    out.write("  ]\n}\n")
