"""The network drawn: one item per account (its status by colour and by shape, its platform as
text inside, its handle under it) and one per link (its width by weight, its dash by what is
shared, a label saying what and how much).

Labels keep one size on screen at every zoom, so they are always readable; at each zoom the
view decides again which fit (:func:`relabel`): the most telling accounts first (taken down,
still live, returning, most linked), each label left out where it would cover an account or a
label already written. Zooming in writes more of them; the selected account's name and its
links' labels are always written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

NODE_SIZE = 26.0
LABEL_PIXELS = 12  # labels are this tall on screen at any zoom
EDGE_LABELS_UP_TO = 120  # every link is labelled in networks with at most this many links

# status -> (colour, shape, words). Okabe-Ito colours (told apart with colour-blindness), and a
# shape each, so the status never rests on colour alone.
STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    "new": ("#56B4E9", "circle", "new"),
    "referred": ("#E69F00", "diamond", "referred"),
    "still_live": ("#D55E00", "triangle", "still live"),
    "taken_down": ("#6E6E6E", "square", "taken down"),
}
PLATFORM_MARKS = {
    "telegram": "TG",
    "facebook": "FB",
    "tiktok": "TT",
    "instagram": "IG",
    "twitter": "X",
    "x": "X",
    "whatsapp": "WA",
    "youtube": "YT",
}
# What a link shares -> (short word, pen style)
KIND_LOOK: dict[str, tuple[str, Qt.PenStyle]] = {
    "phone": ("phone", Qt.PenStyle.SolidLine),
    "messaging": ("messaging", Qt.PenStyle.SolidLine),
    "payment": ("payment", Qt.PenStyle.SolidLine),
    "email": ("e-mail", Qt.PenStyle.DashLine),
    "image": ("picture", Qt.PenStyle.DotLine),
    "text": ("text", Qt.PenStyle.DashDotLine),
}
EDGE_COLOUR = QColor("#8a8f99")
HIGHLIGHT = QColor("#0B4F9C")


def platform_mark(platform: str) -> str:
    """Two letters inside the node saying the platform ('TG', 'FB', …)."""
    return PLATFORM_MARKS.get(platform.lower(), platform[:2].upper())


def status_words(status: str) -> str:
    return STATUS_LOOK.get(status, STATUS_LOOK["new"])[2]


def account_name(account: Mapping[str, Any]) -> str:
    handle = account.get("handle") or account.get("platform_account_id") or f"#{account['id']}"
    return f"@{handle}"


def link_words(link: Mapping[str, Any], *, full: bool = False) -> str:
    """What a link shares, in a few words, with its weight: 'phone +218 91-2345678 · 1.00'.
    Several things shared: the kinds and how many ('phone, text (3) · 1.00'); ``full`` names
    every value instead (tooltips)."""
    shared = link["shared"]
    weight = f"{float(link['weight']):.2f}"
    if full:
        lines = [f"{KIND_LOOK.get(s['kind'], (s['kind'],))[0]}: {s['shown']}" for s in shared]
        return "\n".join([*lines, f"weight {weight}"])
    if len(shared) == 1:
        s = shared[0]
        value = s["shown"] if s["kind"] not in ("text", "image") else ""
        return " ".join(p for p in (KIND_LOOK.get(s["kind"], (s["kind"],))[0], value) if p) + (
            f" · {weight}"
        )
    kinds = list(dict.fromkeys(KIND_LOOK.get(s["kind"], (s["kind"],))[0] for s in shared))
    return f"{', '.join(kinds)} ({len(shared)}) · {weight}"


def _label_font(pixels: int = LABEL_PIXELS) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    return font


@lru_cache(maxsize=1)
def _mark_font() -> QFont:
    font = _label_font(10)
    font.setBold(True)
    return font


@lru_cache(maxsize=4)
def _metrics(pixels: int) -> QFontMetricsF:
    """Measured once per size: a network draws thousands of labels."""
    return QFontMetricsF(_label_font(pixels))


class TextTag(QGraphicsItem):
    """A label at a fixed size on screen, whatever the zoom (readable at any scale), on a white
    box; ``centred`` puts its middle on its position, else its top edge."""

    def __init__(self, text: str, pixels: int, parent: QGraphicsItem, *, centred: bool) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.text = text
        self.font = _label_font(pixels)
        self.colour = QColor("#111111")
        width = _metrics(pixels).horizontalAdvance(text) + 6
        height = pixels + 5.0
        top = -height / 2 if centred else 0.0
        self.rect = QRectF(-width / 2, top, width, height)

    def scene_rect(self, scale: float) -> QRectF:
        """Where the label lies in scene units at zoom ``scale``."""
        anchor = self.scenePos()
        r = self.rect
        return QRectF(
            anchor.x() + r.left() / scale,
            anchor.y() + r.top() / scale,
            r.width() / scale,
            r.height() / scale,
        )

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return self.rect

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRect(self.rect)
        painter.setFont(self.font)
        painter.setPen(self.colour)
        painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, self.text)


class NodeItem(QGraphicsItem):
    """One account: shape and colour by status, platform letters inside, handle under it."""

    def __init__(self, account: Mapping[str, Any]) -> None:
        super().__init__()
        self.account = dict(account)
        self.account_id = int(account["id"])
        self.show_label = True
        self.highlighted = False
        self.edges: list[EdgeItem] = []
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label = account_name(account)
        self.tag = TextTag(self.label, LABEL_PIXELS, self, centred=False)
        self.tag.setPos(0, NODE_SIZE / 2 + 2)
        half = NODE_SIZE * 0.8 + 3  # room for the highlight ring
        self._bounds = QRectF(-half, -half, 2 * half, 2 * half)
        returning = int(account.get("returning_posts") or 0)
        status = account.get("status_date")
        self.setToolTip(
            f"{self.label} on {account.get('platform', '')}: {status_words(account['status'])}"
            + (f" {status}" if status else "")
            + f"; {int(account.get('posts') or 0)} posts"
            + (f", {returning} returning after a takedown" if returning else "")
            + f"; group {int(account.get('community') or 0) + 1}"
            + "\nEnter opens its posts in the queue"
        )

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return self._bounds

    def shape_path(self) -> QPainterPath:
        look = STATUS_LOOK.get(self.account["status"], STATUS_LOOK["new"])[1]
        half = NODE_SIZE / 2
        path = QPainterPath()
        if look == "circle":
            path.addEllipse(QPointF(0, 0), half, half)
        elif look == "square":
            path.addRect(QRectF(-half * 0.9, -half * 0.9, half * 1.8, half * 1.8))
        elif look == "diamond":
            path.moveTo(0, -half * 1.15)
            path.lineTo(half * 1.15, 0)
            path.lineTo(0, half * 1.15)
            path.lineTo(-half * 1.15, 0)
            path.closeSubpath()
        else:  # triangle
            path.moveTo(0, -half * 1.2)
            path.lineTo(half * 1.1, half * 0.85)
            path.lineTo(-half * 1.1, half * 0.85)
            path.closeSubpath()
        return path

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        colour = QColor(STATUS_LOOK.get(self.account["status"], STATUS_LOOK["new"])[0])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        selected = self.isSelected()
        returning = int(self.account.get("returning_posts") or 0) > 0
        outline = QPen(HIGHLIGHT if selected else QColor("#202020"), 4 if selected else 1.2)
        if returning and not selected:
            outline = QPen(QColor("#7A0019"), 3)
        painter.setPen(outline)
        painter.setBrush(QBrush(colour))
        path = self.shape_path()
        painter.drawPath(path)
        if self.highlighted:  # shares the contact point chosen in the list
            painter.setPen(QPen(HIGHLIGHT, 2.5, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), NODE_SIZE * 0.8, NODE_SIZE * 0.8)
        if self.account["status"] == "taken_down":  # a cross, as well as grey and square
            painter.setPen(QPen(QColor("#FFFFFF"), 1.6))
            h = NODE_SIZE * 0.36
            painter.drawLine(QLineF(-h, -h, h, h))
            painter.drawLine(QLineF(-h, h, h, -h))
        mark = platform_mark(str(self.account.get("platform", "")))
        painter.setFont(_mark_font())
        painter.setPen(QColor("#000000"))
        if self.account["status"] == "taken_down":
            painter.setPen(QColor("#FFFFFF"))
            painter.fillRect(QRectF(-9, -6, 18, 12), QColor("#6E6E6E"))
        painter.drawText(QRectF(-13, -8, 26, 16), Qt.AlignmentFlag.AlignCenter, mark)

    def set_label_shown(self, shown: bool) -> None:
        """The handle under the node, unless the selection's callout already says it."""
        self.show_label = shown
        self.tag.setVisible((shown or self.highlighted) and not self.isSelected())

    def itemChange(  # noqa: N802 (Qt name)
        self, change: QGraphicsItem.GraphicsItemChange, value: Any
    ) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.set_label_shown(self.show_label)
            for edge in self.edges:
                edge.set_label_shown(edge.show_label)
        return super().itemChange(change, value)


class EdgeItem(QGraphicsItem):
    """One link between two accounts: width by weight, dash by kind, a label when room."""

    def __init__(self, link: Mapping[str, Any], a: NodeItem, b: NodeItem) -> None:
        super().__init__()
        self.link = dict(link)
        self.a, self.b = a, b
        a.edges.append(self)
        b.edges.append(self)
        self.show_label = False
        self.text = link_words(link)
        self.setZValue(0)
        self.setToolTip(f"{a.label} — {b.label}\n" + link_words(link, full=True))
        self.line = QLineF(a.pos(), b.pos())
        self._tag: TextTag | None = None  # made when first wanted: most links go unlabelled
        kinds = [s["kind"] for s in link["shared"]]
        strongest = min(kinds, key=lambda k: list(KIND_LOOK).index(k) if k in KIND_LOOK else 99)
        self.style = KIND_LOOK.get(strongest, ("", Qt.PenStyle.SolidLine))[1]
        self.width = 1.0 + 3.0 * float(link["weight"])
        pad = self.width + 6
        self._bounds = (
            QRectF(self.line.p1(), self.line.p2()).normalized().adjusted(-pad, -pad, pad, pad)
        )

    @property
    def tag(self) -> TextTag:
        """The label on the link's middle (hidden until chosen)."""
        if self._tag is None:
            self._tag = TextTag(self.text, LABEL_PIXELS - 1, self, centred=True)
            self._tag.setPos(self.line.center())
            self._tag.hide()
        return self._tag

    def set_label_shown(self, shown: bool) -> None:
        """What the link shares, written on it (the selected account's links in blue)."""
        near = self.touches_selection()
        if shown == self.show_label and self._tag is None and not near:
            return
        self.show_label = shown
        self.setZValue(1 if near else 0)
        if shown or self._tag is not None:
            self.tag.colour = HIGHLIGHT if near else QColor("#333333")
            self.tag.setVisible(shown)
        self.update()

    def touches_selection(self) -> bool:
        return self.a.isSelected() or self.b.isSelected()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return self._bounds  # the accounts never move: worked out once

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        near = self.touches_selection()
        pen = QPen(HIGHLIGHT if near else EDGE_COLOUR, self.width + (1.0 if near else 0.0))
        pen.setStyle(self.style)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawLine(self.line)


@dataclass
class NetworkDrawing:
    """The scene's items by account id, and the links' items in order."""

    nodes: dict[int, NodeItem]
    edges: list[EdgeItem]


def _cull_labels(rects: Iterable[tuple[Any, QRectF]], taken: list[QRectF]) -> list[Any]:
    """Keep, in the order given, each item whose label overlaps nothing in ``taken`` and no
    label kept before it. A grid of cells about one label wide finds the neighbours."""
    wanted = list(rects)
    sizes = [max(r.width(), r.height()) for _item, r in wanted]
    cell = max([1e-3, *sizes, *(max(r.width(), r.height()) for r in taken[:50])])
    grid: dict[tuple[int, int], list[QRectF]] = {}

    def cells(r: QRectF) -> list[tuple[int, int]]:
        return [
            (i, j)
            for i in range(int(r.left() // cell), int(r.right() // cell) + 1)
            for j in range(int(r.top() // cell), int(r.bottom() // cell) + 1)
        ]

    for r in taken:
        for c in cells(r):
            grid.setdefault(c, []).append(r)
    kept = []
    for item, rect in wanted:
        where = cells(rect)
        if any(rect.intersects(o) for c in where for o in grid.get(c, ())):
            continue
        kept.append(item)
        for c in where:
            grid.setdefault(c, []).append(rect)
    return kept


def _priority(node: NodeItem) -> tuple[int, int, int]:
    status = {"taken_down": 0, "still_live": 0, "referred": 1}.get(node.account["status"], 2)
    returning = 0 if int(node.account.get("returning_posts") or 0) else 1
    return (min(status, returning), -len(node.edges), node.account_id)


def draw_network(
    scene: QGraphicsScene,
    accounts: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    positions: Mapping[int, tuple[float, float]],
) -> NetworkDrawing:
    """Fill ``scene`` (cleared first) with the network."""
    scene.clear()
    nodes: dict[int, NodeItem] = {}
    for account in accounts:
        node = NodeItem(account)
        x, y = positions.get(int(account["id"]), (0.0, 0.0))
        node.setPos(x, y)
        nodes[node.account_id] = node
    edges = [
        EdgeItem(link, nodes[int(link["a"])], nodes[int(link["b"])])
        for link in links
        if int(link["a"]) in nodes and int(link["b"]) in nodes
    ]
    for edge in edges:
        scene.addItem(edge)
    for node in nodes.values():
        scene.addItem(node)
    return NetworkDrawing(nodes, edges)  # labels: relabel() once the zoom is known


def relabel(drawing: NetworkDrawing, scale: float = 1.0) -> None:
    """Decide which labels are written at zoom ``scale``, over the visible items only: first
    the selected account's links, then the accounts in order of importance, then the other
    links by weight; each label only where it covers no account and no label kept before it."""
    visible = [n for n in drawing.nodes.values() if n.isVisible()]
    half = NODE_SIZE * 0.55
    taken = [QRectF(n.pos().x() - half, n.pos().y() - half, 2 * half, 2 * half) for n in visible]
    for node in visible:
        if node.isSelected():  # its callout (SelectedName): the name and the platform, bold
            box = node.tag.scene_rect(scale)
            box.adjust(-box.width() * 0.5, 0, box.width() * 0.5, 0)
            taken.append(box)
    edges = [e for e in drawing.edges if e.isVisible()]
    near = sorted(
        (e for e in edges if e.touches_selection()),
        key=lambda e: (-float(e.link["weight"]), e.a.account_id, e.b.account_id),
    )
    chosen = set(_cull_labels(((e, e.tag.scene_rect(scale)) for e in near), taken))
    taken += [e.tag.scene_rect(scale) for e in chosen]
    order = sorted(visible, key=_priority)
    kept = set(_cull_labels(((n, n.tag.scene_rect(scale)) for n in order), taken))
    for node in drawing.nodes.values():
        node.set_label_shown(node in kept)
    taken += [n.tag.scene_rect(scale) for n in kept]
    if len(edges) <= EDGE_LABELS_UP_TO:
        rest = sorted(
            (e for e in edges if e not in chosen and not e.touches_selection()),
            key=lambda e: (-float(e.link["weight"]), e.a.account_id, e.b.account_id),
        )
        chosen.update(_cull_labels(((e, e.tag.scene_rect(scale)) for e in rest), taken))
    for edge in drawing.edges:
        edge.set_label_shown(edge in chosen)


class SelectedName(QGraphicsSimpleTextItem):
    """The selected account's name, at a readable size whatever the zoom."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(10)
        font = QFont()
        font.setPointSizeF(10.5)
        font.setBold(True)
        self.setFont(font)
        self.setBrush(HIGHLIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRect(self.boundingRect().adjusted(-3, -1, 3, 1))
        super().paint(painter, option, widget)  # type: ignore[arg-type]

    def follow(self, node: NodeItem | None) -> None:
        """Write ``node``'s name under it (hidden when None)."""
        if node is None:
            self.hide()
            return
        self.setText(f"{node.label} · {node.account.get('platform', '')}")
        self.setPos(node.pos() + QPointF(0, NODE_SIZE / 2 + 3))
        # Centred under the node: moved half its width left in screen pixels (the item's own
        # transform is kept when the view's is ignored).
        self.setTransform(QTransform.fromTranslate(-self.boundingRect().width() / 2, 0))
        self.show()
