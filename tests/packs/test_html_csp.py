"""referral.html (issue 12): a strict Content-Security-Policy (no scripts at all, nothing from
elsewhere, only its own style block), and evidence that a browser could run (.html, .svg, .xml,
…) is never linked, framed or embedded — its path is shown as text with a warning. The pack is
built for real from an export carrying such files, decrypted with the real `age`, and the page
is parsed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from tests.packs import helpers
from triage_app.packs.build import build_referral_pack
from triage_app.packs.html import is_passive

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
PAGE = b"<html><body><script>fetch('file:///etc/passwd')</script></body></html>"
XML = b'<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><x/>'
ACTIVE = {"evil.svg": SVG, "page.html": PAGE, "feed.xml": XML, "page.xhtml": PAGE, "noext": PAGE}


def corpus_with_active_media(folder: Path, n: int = 4, platform: str = "facebook", *_: object):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in ACTIVE.items():
        (folder / name).write_bytes(data)
    (folder / "photo.png").write_bytes(helpers.PNG)
    rows = []
    for i in range(n):
        rows.append(
            {
                "platform": platform,
                "post_id": f"p{i}",
                "url": f"https://example.org/p{i}",
                "created_at": "2025-03-01T10:00:00Z",
                "text": f"post {i} <script>alert({i})</script><img src=x onerror=alert(1)>",
                "author_id": "a1",
                "author_handle": "boatman",
                "author_name": "Boat <b>Man</b>",
                "media": list(ACTIVE) + ["photo.png"] if i == 0 else [],
            }
        )
    path = folder / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
        self.text.append(data)


def built_page(make_store, tmp_path, monkeypatch) -> tuple[Page, zipfile.ZipFile]:
    monkeypatch.setattr(helpers, "write_corpus", corpus_with_active_media)
    store = helpers.approved_store(make_store, tmp_path, n=4)
    ident, pub = helpers.identity(tmp_path)
    build_referral_pack(store, "facebook", tmp_path / "p.age", recipients=[pub])
    plain = subprocess.run(
        ["age", "-d", "-i", str(ident), str(tmp_path / "p.age")], check=True, capture_output=True
    ).stdout
    archive = zipfile.ZipFile(io.BytesIO(plain))
    page = Page()
    page.feed(archive.read("referral.html").decode("utf-8"))
    return page, archive


def csp_of(page: Page) -> dict[str, list[str]]:
    metas = [
        a
        for t, a in page.tags
        if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert len(metas) == 1, "referral.html has no (or more than one) CSP"
    directives = {}
    for part in (metas[0]["content"] or "").split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_the_page_has_a_strict_csp_and_runs_nothing(make_store, tmp_path, monkeypatch):
    page, _archive = built_page(make_store, tmp_path, monkeypatch)
    csp = csp_of(page)
    assert csp["default-src"] == ["'none'"] and csp["script-src"] == ["'none'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'none'"] and csp["img-src"] == ["'self'"]
    everything = " ".join(w for words in csp.values() for w in words)
    assert "unsafe" not in everything and "http" not in everything and "*" not in everything
    # the one style block is allowed by its hash, and nothing else
    assert len(page.styles) == 1
    digest = base64.b64encode(hashlib.sha256(page.styles[0].encode()).digest()).decode()
    assert csp["style-src"] == [f"'sha256-{digest}'"]
    # the CSP comes before anything it must govern
    names = [t for t, _ in page.tags]
    assert names.index("meta") < names.index("style")
    for tag, attrs in page.tags:
        assert tag not in ("script", "iframe", "frame", "object", "embed", "base", "form", "img")
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "style" not in attrs


def test_active_evidence_is_never_linked(make_store, tmp_path, monkeypatch):
    page, archive = built_page(make_store, tmp_path, monkeypatch)
    names = archive.namelist()
    media = [n for n in names if "/media/" in n]
    active = [n for n in media if not n.endswith(".png")]
    assert len(active) == len(ACTIVE), media  # the files are in the pack (as evidence) ...
    links = [a["href"] for t, a in page.tags if t == "a" and not a["href"].startswith("#")]
    assert links, "no evidence is linked at all"
    for href in links:  # ... but only passive files are links
        assert is_passive(href) and href in names, href
    assert not any(entry in links for entry in active)
    assert any(n.endswith(".png") for n in links) and any(n.endswith("raw.json") for n in links)
    text = "".join(page.text)
    for entry in active:  # shown as text with the warning
        assert entry in text
    assert text.count("not linked: this kind of file can run code in a browser") == len(ACTIVE)


def test_the_passive_rule():
    assert is_passive("evidence/x/media/01-a.PNG") and is_passive("evidence/x/raw.json")
    for name in ("a.svg", "a.html", "a.htm", "a.xml", "a.xhtml", "a.pdf", "a.js", "a", "a.png.svg"):
        assert not is_passive(name), name
    assert not is_passive("a.png", "image/svg+xml") and not is_passive("a.txt", "text/html")
