"""referral.html: the self-contained summary a platform reads first — one section per account
with its categories, the platform's policy references, and each post's evidence.

Written piece by piece to a text stream (no size limit), every value escaped, and every block
of user text marked ``dir="auto"`` (handles in ``<bdi>``) so Arabic, Persian, Kurdish or Pashto
text reads correctly and never reorders the English around it."""

from __future__ import annotations

import base64
import hashlib
import html
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..core.taxonomy import Tag
from .contents import AccountSummary, PackSelection, PostItem
from .networks import NetworkSummary
from .platforms import Platform
from .zipstream import TextSink

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans Arabic",sans-serif;
margin:2em auto;max-width:60em;line-height:1.45;color:#111;background:#fff;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;border-top:2px solid #444;padding-top:.6em;margin-top:2em}
table.meta td{padding:.1em 1em .1em 0;vertical-align:top}
.tag{display:inline-block;background:#eee;border:1px solid #bbb;border-radius:.3em;
padding:0 .4em;margin:0 .2em .2em 0;font-size:.9em}
.post{border:1px solid #ccc;border-radius:.4em;padding:.6em .8em;margin:.8em 0}
.text{white-space:pre-wrap;unicode-bidi:plaintext;font-size:1.05em;margin:.4em 0}
.small{color:#555;font-size:.85em}code{font-size:.85em;word-break:break-all}
.active{color:#8a1c00}
"""


# The page runs nothing and fetches nothing from elsewhere: no script of any kind, no plugin,
# no frame, no form, no <base>; only its own <style> block (by hash, so an injected style
# attribute or <style> does not apply) and images of the pack itself.
CSP = (
    "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
    "connect-src 'none'; font-src 'none'; media-src 'self'; img-src 'self'; "
    "style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
    + "'; base-uri 'none'; form-action 'none'"
)

# Evidence a browser shows as passive content (pictures, sound, video, plain text, JSON). Any
# other file — .html, .svg, .xml, .xhtml, .pdf, .js, .mht, an unknown or no extension — may
# run code when a browser opens it (a file:// page, where the `download` attribute is ignored
# by some browsers), so it is never a link: its path is shown as text with a warning.
_PICTURES = "png jpg jpeg gif webp bmp avif heic heif tif tiff"
_VIDEO = "mp4 m4v mov webm mkv avi 3gp"
_SOUND = "mp3 m4a aac ogg oga opus wav flac amr"
PASSIVE_EXTENSIONS = frozenset(f"{_PICTURES} {_VIDEO} {_SOUND} txt json".split())
ACTIVE_MIME_WORDS = ("html", "svg", "xml", "javascript", "ecmascript", "pdf", "flash")


def is_passive(entry: str, mime: str | None = None) -> bool:
    """Whether evidence file ``entry`` is safe to link from the page (see PASSIVE_EXTENSIONS);
    a passive extension with an active MIME type recorded at import is not."""
    ext = posixpath.splitext(entry)[1].lower().lstrip(".")
    if ext not in PASSIVE_EXTENSIONS:
        return False
    return not any(word in (mime or "").lower() for word in ACTIVE_MIME_WORDS)


def evidence_link(entry: str, label: str, mime: str | None = None) -> str:
    """A link to a passive evidence file, or for anything that could be active content the
    file's path as text with a warning (never an <a>, <img>, <iframe> or <object>)."""
    if is_passive(entry, mime):
        return f'<a href="{_e(entry)}">{_e(label)}</a>'
    return (
        f'<span class="active">{_e(label)}: <code>{_e(entry)}</code> (not linked: this kind '
        "of file can run code in a browser; open it only in a viewer that runs no scripts, "
        "and check it against SHA256SUMS)</span>"
    )


@dataclass(frozen=True)
class PackHeader:
    pack_id: str
    created: str
    creator: str
    store_id: str


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _tags(keys: Iterable[str], taxonomy: dict[str, Tag]) -> str:
    return "".join(
        f'<span class="tag">{_e(taxonomy[k].label if k in taxonomy else k)}</span>'
        for k in sorted(keys)
    )


def write_head(
    out: TextSink,
    platform: Platform,
    selection: PackSelection,
    header: PackHeader,
    taxonomy: dict[str, Tag],
) -> None:
    """The document start: title, what the pack is, the policy references, the account list."""
    out.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    out.write(f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n')
    out.write('<meta name="referrer" content="no-referrer">\n')
    out.write('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    out.write(f"<title>Referral to {_e(platform.name)} — {_e(header.pack_id)}</title>\n")
    out.write(f"<style>{STYLE}</style>\n</head>\n<body>\n")
    out.write(f"<h1>Referral to {_e(platform.name)}</h1>\n")
    out.write(
        "<p>We ask you to review these accounts and posts, which we believe offer or promote "
        "people smuggling or related services, against your policies below, and to take "
        "them down where they breach them.</p>\n"
    )
    out.write('<table class="meta">\n')
    for label, value in (
        ("Pack id", header.pack_id),
        ("Created (UTC)", header.created),
        ("Prepared by", header.creator),
        ("Accounts", selection.account_count),
        ("Posts", len(selection.post_ids)),
    ):
        out.write(f"<tr><td>{_e(label)}</td><td>{_e(value)}</td></tr>\n")
    out.write("</table>\n")
    out.write(
        '<p class="small">Every file in this pack is listed with its SHA-256 in '
        "<code>SHA256SUMS</code> and <code>manifest.json</code>; <code>custody.jsonl</code> "
        "records how each item was collected, reviewed and approved.</p>\n"
    )
    if platform.policies:
        out.write("<h2>Policy references</h2>\n<ul>\n")
        for policy in platform.policies:
            out.write(
                f"<li><strong>{_e(policy.title)}</strong><br><code>{_e(policy.url)}</code>"
                + (f"<br>{_e(policy.text)}" if policy.text else "")
                + "</li>\n"
            )
        out.write("</ul>\n")
    out.write("<h2>Accounts</h2>\n<ol>\n")
    for key, account in selection.accounts.items():
        anchor = _account_anchor(key)
        out.write(
            f'<li><a href="#{anchor}">{_account_title(account)}</a> — '
            f"{account.posts} post{'s' if account.posts != 1 else ''} "
            f"{_tags(account.tags, taxonomy)}</li>\n"
        )
    out.write("</ol>\n")


def _account_anchor(key: int | None) -> str:
    return f"account-{key}" if key is not None else "account-unknown"


def _account_title(account: AccountSummary) -> str:
    if not account.platform_account_id and not account.handle:
        return "Unknown account"
    handle = f"@{account.handle}" if account.handle else account.platform_account_id
    title = f'<bdi dir="auto">{_e(handle)}</bdi>'
    if account.display_name:
        title += f' (<bdi dir="auto">{_e(account.display_name)}</bdi>)'
    return title


def write_account_start(
    out: TextSink, key: int | None, account: AccountSummary, taxonomy: dict[str, Tag]
) -> None:
    out.write(f'<section id="{_account_anchor(key)}">\n<h2>{_account_title(account)}</h2>\n')
    out.write('<table class="meta">\n')
    for label, value in (
        ("Account id", account.platform_account_id),
        ("Handle", account.handle),
        ("Name", account.display_name),
        ("Profile", account.url),
        ("Followers", account.followers),
    ):
        if value not in (None, ""):
            out.write(f'<tr><td>{_e(label)}</td><td dir="auto">{_e(value)}</td></tr>\n')
    out.write(f"<tr><td>Categories</td><td>{_tags(account.tags, taxonomy)}</td></tr>\n")
    out.write("</table>\n")


def write_network(out: TextSink, summary: NetworkSummary | None, first: bool) -> None:
    """The account's network: the sentence (accounts per platform, taken down, shared contact
    points), and the first time the network appears its picture inline (an SVG of escaped
    text and shapes only); later accounts of the same network point back to it."""
    if summary is None:
        out.write(
            '<p class="small">Network: this account shares no contact point or near-duplicate '
            "post with any other account we hold.</p>\n"
        )
        return
    anchor = f"network-{_e(summary.id)}"
    out.write(f'<div class="network" id="{anchor}">\n' if first else '<div class="network">\n')
    out.write(
        f'<p><strong>Network</strong>: <span dir="auto">{_e(summary.sentence())}</span></p>\n'
    )
    if first:
        out.write(summary.svg(standalone=False))
        out.write(
            f'<p class="small">The same picture: <code>{_e(summary.picture)}</code>; every '
            "account of the network is listed in <code>manifest.json</code>.</p>\n"
        )
    else:
        out.write(
            f'<p class="small">Drawn above: <a href="#{anchor}">network {_e(summary.id)}</a></p>\n'
        )
    out.write("</div>\n")


def write_account_end(out: TextSink) -> None:
    out.write("</section>\n")


def write_post(
    out: TextSink, post: PostItem, taxonomy: dict[str, Tag], self_approved: str | None = None
) -> None:
    """One post: when, where, categories, its text (RTL-safe) and its evidence files;
    ``self_approved`` is the four-eyes note of a post approved by one of its taggers."""
    lang = f' lang="{_e(post.language)}"' if post.language else ""
    out.write(f'<article class="post" id="post-{_e(post.folder)}">\n')
    out.write(
        f'<div class="small">Post <code>{_e(post.platform_post_id)}</code>'
        f" · {_e(post.posted_iso or 'date unknown')}"
        f" · {_e(post.kind)}</div>\n"
    )
    if post.url:
        out.write(f'<div class="small">URL: <code>{_e(post.url)}</code></div>\n')
    out.write(f"<div>{_tags(post.tags, taxonomy)}</div>\n")
    if self_approved:  # four eyes were off for this post (store/four_eyes.py)
        out.write(f'<div class="self-approved"><strong>{_e(self_approved)}</strong></div>\n')
    out.write(f'<div class="text" dir="auto"{lang}>{_e(post.text)}</div>\n')
    files = []
    if post.raw_entry:
        files.append(evidence_link(post.raw_entry, "raw record"))
    for media in post.media:
        if media.entry:
            files.append(evidence_link(media.entry, media.kind, media.mime))
        else:
            where = f" ({_e(media.url)})" if media.url else ""
            files.append(f"{_e(media.kind)} not collected{where}")
    if files:
        out.write(f'<div class="small">Evidence: {" · ".join(files)}</div>\n')
    out.write("</article>\n")


def write_tail(out: TextSink) -> None:
    out.write("</body>\n</html>\n")


def render_referral_html(
    out: TextSink,
    platform: Platform,
    selection: PackSelection,
    header: PackHeader,
    posts: Iterable[PostItem],
    taxonomy: dict[str, Tag],
    *,
    limit: int | None = None,
    self_approved: Mapping[int, str] | None = None,
    networks: Mapping[int, NetworkSummary] | None = None,
) -> None:
    """The whole document; ``limit`` stops after that many posts (the dialog's preview);
    ``self_approved`` maps the ids of self-approved posts to the words that say so;
    ``networks`` (account id -> its network, packs/networks.py) adds each account's network."""
    write_head(out, platform, selection, header, taxonomy)
    current: object = object()
    count = 0
    drawn: set[str] = set()
    for post in posts:
        if limit is not None and count >= limit:
            out.write(f'<p class="small">… and {len(selection.post_ids) - count} more posts.</p>\n')
            break
        if post.account_id != current:
            if count:
                write_account_end(out)
            current = post.account_id
            write_account_start(out, post.account_id, selection.accounts[post.account_id], taxonomy)
            if networks is not None and post.account_id is not None:
                summary = networks.get(post.account_id)
                write_network(out, summary, summary is not None and summary.id not in drawn)
                if summary is not None:
                    drawn.add(summary.id)
        write_post(out, post, taxonomy, (self_approved or {}).get(post.id))
        count += 1
    if count:
        write_account_end(out)
    write_tail(out)
