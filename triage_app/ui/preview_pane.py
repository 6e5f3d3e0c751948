"""The preview pane: the current post as the analyst would recognise it, with who posted it, when,
where it came from, its contact details pulled out and highlighted, and its media concealed.

Everything shown comes from :func:`triage_app.store.post_detail.post_detail`, the same dict
`triage show --json` prints, so the window and the command line never disagree. Links are never
opened (the workstation must not touch the network): clicking one copies it."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..core.language_names import language_label
from ..core.search_normal import match_spans
from ..core.timeutil import to_utc_iso
from ..core.video import format_time
from ..ingest.evidence import evidence_dir
from ..store.connection import DatabaseError, Store
from ..store.evidence_crypto import evidence_key
from ..store.post_detail import account_counts, explain_priority, post_detail
from .media_view import MediaView
from .preview_body import PreviewBody
from .quiet_scrollbar import quiet_scrollbars
from .text_render import colour_for, picture_text_html, render_post_html

TEXT_PT = 12.0

# How each indicator kind is named in the list (unknown kinds are shown as they are).
KIND_NAMES = {
    "phone": "Phone",
    "messaging": "Messaging",
    "url": "Link",
    "handle": "Handle",
    "price": "Price",
    "lexicon": "Lexicon",
}

KIND_ORDER = {
    "phone": 0,
    "messaging": 1,
    "handle": 2,
    "email": 3,
    "url": 4,
    "price": 5,
    "lexicon": 6,
}


def kind_name(kind: str) -> str:
    base, _, detail = kind.partition(":")
    if not detail:
        base, _, detail = kind.partition("_")
    name = KIND_NAMES.get(base, base.capitalize() or kind)
    return f"{name} ({detail})" if detail else name


def local_and_utc(ts: int | None) -> str:
    """'2024-05-01 14:03 CEST (12:03 UTC)' — people think in local time, evidence is in UTC."""
    if ts is None:
        return "time unknown"
    local = dt.datetime.fromtimestamp(ts).astimezone()
    utc = dt.datetime.fromtimestamp(ts, dt.UTC)
    if local.utcoffset() == dt.timedelta(0):
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    same_day = local.date() == utc.date()
    utc_text = utc.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    return f"{local.strftime('%Y-%m-%d %H:%M')} {local.tzname() or ''} ({utc_text} UTC)".replace(
        "  ", " "
    )


def account_age(days: int | None) -> str:
    if days is None:
        return "account age unknown"
    if days < 60:
        return f"account {days} day{'s' if days != 1 else ''} old"
    if days < 730:
        return f"account {days // 30} months old"
    return f"account {days // 365} years old"


def account_card_html(account: dict[str, Any] | None, platform: str) -> str:
    """Handle, display name, age, followers and what the store already holds of the account."""
    if account is None:
        return f"<b>{html.escape(platform)}</b> · <i>account unknown</i>"
    e = html.escape
    handle = account.get("handle") or account.get("platform_account_id") or "?"
    name = account.get("display_name")
    head = f"<b>{e(platform)}</b> · <b>@{e(str(handle).lstrip('@'))}</b>"
    if name:
        head += f" {e(str(name))}"
    if account.get("referred"):
        head += ' <span style="color:#b3261e">· already referred</span>'
    facts = [account_age(account.get("age_days"))]
    if account.get("created_utc"):
        facts[0] += f" (since {e(str(account['created_utc'])[:10])})"
    followers = account.get("followers")
    facts.append("followers unknown" if followers is None else f"{followers:,} followers")
    if account.get("posts_in_store") is None:  # counted after the post is painted
        facts.append("posts in store: counting")
    else:
        facts.append(
            f"{account['posts_in_store']:,} post{'s' if account['posts_in_store'] != 1 else ''} "
            f"in store, {account['posts_tagged']:,} tagged, {account['posts_referred']:,} "
            "referred"
        )
    return head + "<br>" + " · ".join(facts)


class PreviewPane(QFrame):
    """One post in full. ``show_post(None)`` empties the pane."""

    copied = Signal(str)  # something was put on the clipboard (the window may clear it later)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.detail: dict[str, Any] | None = None
        self.search = ""  # the queue's search: its hits are highlighted in the text
        self.setObjectName("previewPane")
        self.setAccessibleName("Post preview")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.header = self._label("previewHeader", "Platform, status and cluster")
        self.account_card = self._label("accountCard", "Account card")
        self.when = self._label("postedTime", "Posted time, local and UTC")
        self.text_view = QTextBrowser(self)
        self.text_view.setObjectName("postText")
        self.text_view.setAccessibleName("Post text")
        self.text_view.setOpenLinks(False)
        self.text_view.setOpenExternalLinks(False)
        self.text_view.anchorClicked.connect(self._link_clicked)
        self.media = MediaView(self)
        self.indicator_list = QListWidget(self)
        self.indicator_list.setObjectName("indicatorList")
        self.indicator_list.setAccessibleName("Indicators found in the post")
        self.indicator_list.setToolTip("Double-click or Ctrl+C copies the selected values")
        self.indicator_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.indicator_list.setMaximumHeight(130)
        self.indicator_list.itemDoubleClicked.connect(lambda _item: self.copy_indicators())
        self.copy_button = QPushButton("Copy indicators", self)
        self.copy_button.setObjectName("copyIndicators")
        self.copy_button.setToolTip("Copy the selected indicators (all when none is selected)")
        self.copy_button.clicked.connect(self.copy_indicators)
        self.source = self._label("sourceFile", "Source file and its SHA-256")
        self.source.setWordWrap(True)
        # The header's tooltip (why the post sits where it does) scores the post again and the
        # account card's counts read as many index entries as the account has posts: both are
        # read on the turn after the post is painted, not on a tag key's path.
        self._explain_timer = QTimer(self)
        self._explain_timer.setSingleShot(True)
        self._explain_timer.setInterval(0)
        self._explain_timer.timeout.connect(self._explain_priority)
        self.empty = QLabel("No post selected", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("previewEmpty")

        copy_action = QAction("Copy indicators", self.indicator_list)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(self.copy_indicators)
        self.indicator_list.addAction(copy_action)

        indicators_row = QHBoxLayout()
        indicators_title = QLabel("<b>Indicators</b>", self)
        indicators_row.addWidget(indicators_title)
        indicators_row.addStretch(1)
        indicators_row.addWidget(self.copy_button)

        # The text first: it takes most of the height, the media and the indicators share a
        # bounded strip under it (side by side), and the person can drag the line between them.
        # The indicators and the source scroll inside their part rather than overlap anything.
        self.details = QScrollArea(self)
        self.details.setObjectName("previewDetails")
        self.details.setWidgetResizable(True)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Every post changes these areas' ranges: their scroll bars repaint only when that shows.
        quiet_scrollbars(self.text_view, self.indicator_list, self.details)
        inner = QWidget()
        details_layout = QVBoxLayout(inner)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.setSpacing(4)
        details_layout.addLayout(indicators_row)
        details_layout.addWidget(self.indicator_list, 1)
        details_layout.addWidget(self.source)
        self.details.setWidget(inner)
        lower = QWidget(self)
        lower.setObjectName("previewLower")
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(6)
        lower_layout.addWidget(self.media)
        lower_layout.addWidget(self.details, 1)
        self.body = PreviewBody(self.text_view, lower, self.media, self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        for widget in (self.header, self.account_card, self.when):
            layout.addWidget(widget)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.empty, 1)
        self._content = [
            self.header,
            self.account_card,
            self.when,
            self.body,
            indicators_title,
            self.copy_button,
            self.indicator_list,
            self.source,
        ]
        self.show_post(None)

    def _label(self, name: str, accessible: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- showing a post ----------------------------------------------------------------------
    @property
    def post_id(self) -> int | None:
        return None if self.detail is None else int(self.detail["id"])

    def show_post(self, post_id: int | None) -> None:
        """Show the post (read fresh from the store), or the empty state for None."""
        detail = None
        message = "No post selected"
        if post_id is not None:
            try:
                detail = post_detail(self.store, post_id, explain=False, account_counts=False)
            except TriageError as exc:
                message = str(exc)
        self.detail = detail
        self._explain_timer.stop()
        for widget in self._content:
            widget.setVisible(detail is not None)
        self.empty.setVisible(detail is None)
        # The media strip is shown by set_media only when the post has media: showing it here
        # first and hiding it again would lay the pane out twice for every post.
        if detail is None:
            self.empty.setText(message)
            self.text_view.clear()
            self.indicator_list.clear()
            self.media.set_media([], None)
            self.media.setVisible(False)
            return
        self._fill(detail)

    def _explain_priority(self) -> None:
        """The header's tooltip (why the post sits where it does in the queue) and the account
        card's counts, once the post is painted."""
        d = self.detail
        if d is None:
            return
        try:
            explanation = explain_priority(self.store, int(d["id"]))
            if d["account"] is not None:
                d["account"].update(account_counts(self.store, int(d["account"]["id"])))
        except (TriageError, DatabaseError):  # e.g. the store closed by a lock meanwhile
            return
        d["priority_explanation"] = explanation
        self.header.setToolTip(explanation)
        if d["account"] is not None:
            self.account_card.setText(account_card_html(d["account"], d["platform"]))

    def explain_now(self) -> None:
        """The header's explanation and the account's counts read now rather than on the next
        turn: a pane prepared out of sight (preview_ahead.py lays it out with them), and again
        once it is shown (the analyst's tag since, on another post of the same account, changes
        its counts)."""
        self._explain_timer.stop()
        self._explain_priority()

    def refresh(self) -> None:
        """Read the current post again (after a tag, a note, an import)."""
        self.show_post(self.post_id)

    def finish_layout(self) -> None:
        """Lay the indicator list out now, once the pane has its size for the new post, rather
        than on the list's own timer, which would paint it a second time a moment later."""
        self.indicator_list.doItemsLayout()

    def _fill(self, d: dict[str, Any]) -> None:
        e = html.escape
        cluster = d.get("cluster")
        header = [
            f"<b>{e(d['platform'])}</b> post {e(d['platform_post_id'])}",
            f"status <b>{e(d['status'])}</b>",
        ]
        if cluster and cluster["size"] > 1:
            header.append(f"cluster #{cluster['id']} ({cluster['size']} posts)")
        if d["tags"]:
            tags = [
                f'<span style="color:{e(t["colour"] or "#000")}">{e(t["label"] or t["key"])}</span>'
                for t in d["tags"]
            ]
            header.append("tags: " + ", ".join(tags))
        if d.get("self_approved"):  # four eyes off for this post: say so (store/four_eyes.py)
            header.append(f'<b style="color:#b00020">{e(d["self_approved"]["text"])}</b>')
        refused_count = len(d.get("media_refused") or [])
        # The reasons sit in the source block, below the fold on a small screen: keep the count
        # in view at the top.
        if refused_count:
            header.append(
                f'<b style="color:#b00020">{refused_count} media file(s) refused</b> '
                "(reasons with the source file, below)"
            )
        header.append(f"priority {d['priority']:.1f}")
        if d.get("returning"):  # the reason it jumped the queue, not only in the tooltip
            header.append(f'<b style="color:#8b0000">returning: {e(d["returning"])}</b>')
        returned = _standing_rejection(d)
        self.header.setText(" · ".join(header) + returned)
        self.header.setToolTip("")
        self._explain_timer.start()
        self.account_card.setText(account_card_html(d["account"], d["platform"]))
        language = language_label(d.get("language"))  # 'Tigrinya (ti)'
        when = f"Posted {e(local_and_utc(d['posted_at']))} · language <b>{e(language)}</b>"
        if d.get("url"):
            when += f" · {e(d['url'])}"
        self.when.setText(when)
        self.when.setToolTip(f"UTC: {to_utc_iso(d['posted_at']) or 'unknown'}")
        hits = match_spans(d["text"], self.search) if self.search.strip() else []
        self.text_view.setHtml(
            render_post_html(d["text"], d["indicators"], font_pt=TEXT_PT, search_spans=hits)
            + picture_text_html(d.get("picture_text", []), self.search, font_pt=TEXT_PT)
        )
        self.text_view.setAccessibleDescription(d["text"][:500])
        evidence = evidence_dir(Path(self.store.path))
        # The evidence key only opens media: a post without any needs no read of it (a round
        # trip per post shown on a team server).
        key = evidence_key(self.store) if d["media"] else None
        self.media.set_media(d["media"], evidence, key=key)
        self.media.add_items(_key_frames(self.store, d.get("videos") or []))
        self.body.arrange()
        self._fill_indicators(d["indicators"] + d.get("picture_indicators", []))
        self._fill_source(d)

    def _fill_indicators(self, indicators: list[dict[str, Any]]) -> None:
        self.indicator_list.clear()
        seen: set[tuple[str, str]] = set()
        # Contact details first: they are what an analyst copies and pivots on.
        for ind in sorted(indicators, key=lambda i: KIND_ORDER.get(i["kind"], len(KIND_ORDER))):
            key = (ind["kind"], ind["value"])
            if key in seen:
                continue
            seen.add(key)
            shown = ind["value"]
            if ind["raw"] and ind["raw"] != ind["value"]:
                shown += f"   (as written: {ind['raw']})"
            if ind.get("media_time") is not None:  # read in a video's key frame
                shown += f"   (in video at {format_time(ind['media_time'])})"
            elif ind.get("media_id"):  # read in one of the post's pictures (OCR)
                shown += "   (in picture text)"
            item = QListWidgetItem(f"{kind_name(ind['kind'])}: {shown}")
            item.setData(Qt.ItemDataRole.UserRole, ind["value"])
            item.setData(Qt.ItemDataRole.UserRole + 1, ind["kind"])
            item.setToolTip(f"{ind['kind']} · characters {ind['start']}–{ind['end']}")
            item.setData(Qt.ItemDataRole.DecorationRole, _swatch(colour_for(ind["kind"])))
            if ind.get("media_id") and ind.get("media_time") is None and self.detail is not None:
                # read in a picture: the crop where it was read
                _show_crop(self.store, self.detail, ind, item)
            self.indicator_list.addItem(item)
        _fit_icons(self.indicator_list)
        if not seen:
            item = QListWidgetItem("No phone numbers, links, handles, prices or lexicon words")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.indicator_list.addItem(item)
        self.copy_button.setEnabled(bool(seen))

    def _fill_source(self, d: dict[str, Any]) -> None:
        e = html.escape
        parts = []
        src = d.get("source")
        if src:
            parts.append(
                f"From <b>{e(Path(src['path']).name)}</b> ({e(src['format'])}), "
                f"SHA-256 <tt>{e(src['sha256'])}</tt>"
            )
            parts.append(f"imported {e(str(src['imported_at'])[:19])} by {e(src['imported_by'])}")
            self.source.setToolTip(src["path"])
        for refused in d.get("media_refused") or []:
            parts.append(
                f"<b>media refused:</b> {e(refused['reason'])} "
                f"(<tt>{e(refused['reference'][:200])}</tt>)"
            )
        # Decisions that came from another store, with their author (store/provenance.py).
        synced = [dec for dec in d.get("decisions") or [] if dec.get("origin")]
        for dec in synced[-5:]:
            what = " ".join(x for x in (dec["kind"], dec.get("tag") or "") if x)
            parts.append(f"{e(what)} by {e(dec['by'])}")
        if len(synced) > 5:
            parts.append(f"(and {len(synced) - 5} earlier decisions from other stores)")
        if d.get("note"):
            parts.append(f"Note: {e(d['note'])}")
        self.source.setText("<br>".join(parts) or "Source unknown")

    # -- copying -----------------------------------------------------------------------------
    def indicator_values(self, selected_only: bool = False) -> list[str]:
        items = (
            self.indicator_list.selectedItems()
            if selected_only
            else [self.indicator_list.item(i) for i in range(self.indicator_list.count())]
        )
        values = [item.data(Qt.ItemDataRole.UserRole) for item in items]
        return [str(v) for v in values if v]

    def copy_indicators(self) -> None:
        """Copy the selected indicators' values, one per line (all of them when none selected)."""
        values = self.indicator_values(selected_only=True) or self.indicator_values()
        if values:
            self._copy("\n".join(values))

    def toggle_media(self) -> None:
        """Reveal or conceal the post's media (the window binds a key to this)."""
        self.media.toggle_all()

    def _link_clicked(self, url: QUrl) -> None:
        # Links are copied, never opened: opening one would reach the network.
        text = url.toString()
        if text.startswith("indicator:") and self.detail is not None:
            index = int(text.split(":", 1)[1])
            inds = self.detail["indicators"]
            if 0 <= index < len(inds):
                text = inds[index]["value"]
        self._copy(text)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)


def _key_frames(store: Store, videos: list[dict[str, Any]]) -> list[Any]:
    """Tiles for the key frames of the post's videos (store/video.py), after its media."""
    if not videos:
        return []
    from ..store.video import frame_jpeg
    from .media_view import video_frame_items

    return video_frame_items(videos, lambda frame_id: frame_jpeg(store, frame_id))


def _standing_rejection(d: dict[str, Any]) -> str:
    """For a rejected post, a line with who returned it and the reason (the analyst reads it
    here and in View ▸ Returned to me); '' otherwise."""
    if d.get("status") != "rejected":
        return ""
    decisions = d.get("decisions") or []
    undone = {x.get("undoes") for x in decisions if x.get("kind") == "undo"}
    rejects = [x for x in decisions if x.get("kind") == "reject" and x["uuid"] not in undone]
    if not rejects:
        return ""
    last = rejects[-1]
    e = html.escape
    return (
        f'<br><b style="color:#b00020">Returned by {e(str(last.get("by") or last["actor"]))} '
        f"on {e(str(last['at'])[:10])}:</b> {e(last.get('note') or '(no reason given)')}"
    )


def _show_crop(store: Store, detail: dict[str, Any], ind: dict[str, Any], item: Any) -> None:
    """The indicator's icon and tooltip show the crop of the picture where it was read."""
    from .ocr_crop import icon_and_tip, indicator_crop

    image = indicator_crop(store, detail, ind)
    if image is not None:
        icon, tip = icon_and_tip(image)
        item.setData(Qt.ItemDataRole.DecorationRole, icon)
        item.setToolTip(tip)


def _fit_icons(view: Any) -> None:
    """With crops in the list, every icon padded to the widest (so the texts line up)."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QPainter, QPixmap

    icons = [view.item(i).data(Qt.ItemDataRole.DecorationRole) for i in range(view.count())]
    icons = [p for p in icons if isinstance(p, QPixmap)]
    wide = max((p.width() for p in icons), default=16)
    if wide <= 16:
        view.setIconSize(QSize(16, 16))
        return
    high = max(p.height() for p in icons)
    view.setIconSize(QSize(wide, high))
    for i in range(view.count()):
        item = view.item(i)
        icon = item.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QPixmap) and icon.width() < wide:
            padded = QPixmap(wide, high)
            padded.fill(Qt.GlobalColor.transparent)
            painter = QPainter(padded)
            painter.drawPixmap(0, (high - icon.height()) // 2, icon)
            painter.end()
            item.setData(Qt.ItemDataRole.DecorationRole, padded)


def _swatch(colour: str) -> Any:
    from PySide6.QtGui import QColor, QPixmap

    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return pixmap
