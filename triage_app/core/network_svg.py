"""A network of accounts drawn as SVG without a window (referral packs, issue 18).

A pack is built on a worker, from the command line or on a machine without a display, so the
picture is written as SVG text here rather than painted by Qt: the layout comes from networkx
(a spring layout with a fixed seed, so the same network gives the same picture), the drawing is
a few lines, circles and labels. Every piece of text (handles, platforms, labels) is escaped
for XML and stripped of the characters XML 1.0 cannot hold, and the picture uses presentation
attributes only (no ``style`` attribute, no script, no link, nothing fetched), so it can be
put inline in the pack's page under its strict CSP as well as saved as a file."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

# status -> (fill, what it means)
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "taken_down": ("#d62728", "taken down"),
    "still_live": ("#ff7f0e", "still live after referral"),
    "referred": ("#1f77b4", "referred"),
    "new": ("#9e9e9e", "not referred"),
}
LABEL_CHARS = 30  # a longer handle is cut with an ellipsis, so labels do not run together
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Node:
    """An account: ``key`` its store id; ``highlight`` draws it ringed (in this pack)."""

    key: int
    platform: str
    handle: str
    status: str
    highlight: bool = False

    @property
    def label(self) -> str:
        return f"{self.platform} {self.handle}"


@dataclass(frozen=True, slots=True)
class Edge:
    """A link between two accounts, labelled by what they share (e.g. 'phone, text')."""

    a: int
    b: int
    label: str
    weight: float = 1.0


def xml_text(value: object) -> str:
    """Text safe inside an XML element or a quoted attribute."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def layout(
    nodes: Sequence[Node], edges: Sequence[Edge], seed: int
) -> dict[int, tuple[float, float]]:
    """Positions in [0, 1] x [0, 1]: a spring layout (networkx) with a fixed seed, the nodes
    and edges added in a sorted order, so the same network always gives the same picture."""
    import networkx as nx  # here: only pictures need it

    graph = nx.Graph()
    graph.add_nodes_from(sorted(n.key for n in nodes))
    keys = {n.key for n in nodes}
    graph.add_weighted_edges_from(
        sorted((min(e.a, e.b), max(e.a, e.b), e.weight) for e in edges if {e.a, e.b} <= keys)
    )
    if len(graph) == 1:
        return {next(iter(graph)): (0.5, 0.5)}
    pos = nx.spring_layout(graph, seed=seed, weight="weight", iterations=100)
    xs = [float(p[0]) for p in pos.values()]
    ys = [float(p[1]) for p in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {
        int(k): ((float(p[0]) - min(xs)) / span_x, (float(p[1]) - min(ys)) / span_y)
        for k, p in pos.items()
    }


def render_svg(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    *,
    title: str,
    caption: str = "",
    seed: int = 1,
    width: int = 760,
    height: int = 520,
    standalone: bool = True,
) -> str:
    """The SVG document (``standalone``: with the XML declaration, for a file; without, to
    put inline in an HTML page)."""
    margin_x, top, bottom = 110, 56, 100
    pos = layout(nodes, edges, seed) if nodes else {}

    def at(key: int) -> tuple[float, float]:
        x, y = pos[key]
        return (
            round(margin_x + x * (width - 2 * margin_x), 1),
            round(top + y * (height - top - bottom), 1),
        )

    out = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{xml_text(title)}" '
        'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif">\n'
        f"<title>{xml_text(title)}</title>\n"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>\n'
        f'<text x="12" y="24" font-size="16" font-weight="bold" fill="#111111">'
        f"{xml_text(title)}</text>\n"
    )
    drawn = sorted(
        (e for e in edges if e.a in pos and e.b in pos), key=lambda e: (min(e.a, e.b), e.b)
    )
    out.append('<g stroke="#777777" stroke-width="1.5">\n')
    for e in drawn:
        (x1, y1), (x2, y2) = at(e.a), at(e.b)
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>\n')
    out.append("</g>\n")
    # Edge labels over a white halo (the same text drawn first with a wide white stroke, as
    # not every SVG reader knows paint-order), readable where they cross a line.
    labels = []
    for e in drawn:
        (x1, y1), (x2, y2) = at(e.a), at(e.b)
        mid_x, mid_y = round((x1 + x2) / 2, 1), round((y1 + y2) / 2 - 3, 1)
        labels.append(f'<text x="{mid_x}" y="{mid_y}">{xml_text(e.label)}</text>\n')
    out.append(
        '<g font-size="10" text-anchor="middle" fill="#ffffff" stroke="#ffffff" stroke-width="4">\n'
    )
    out.extend(labels)
    out.append('</g>\n<g font-size="10" text-anchor="middle" fill="#444444">\n')
    out.extend(labels)
    out.append("</g>\n")
    for node in sorted(nodes, key=lambda n: n.key):
        x, y = at(node.key)
        fill = STATUS_COLOURS.get(node.status, STATUS_COLOURS["new"])[0]
        ring = ' stroke="#000000" stroke-width="3"' if node.highlight else ' stroke="#ffffff"'
        out.append(f'<circle cx="{x}" cy="{y}" r="9" fill="{fill}"{ring}/>\n')
        weight = ' font-weight="bold"' if node.highlight else ""
        out.append(
            f'<text x="{x}" y="{round(y + 22, 1)}" font-size="11" text-anchor="middle" '
            f'fill="#111111"{weight}>{xml_text(_short(node.label))}</text>\n'
        )
    legend_y = height - 40
    x = 12
    for fill, words in STATUS_COLOURS.values():
        out.append(f'<circle cx="{x + 6}" cy="{legend_y}" r="6" fill="{fill}"/>\n')
        out.append(
            f'<text x="{x + 16}" y="{legend_y + 4}" font-size="11" fill="#111111">'
            f"{xml_text(words)}</text>\n"
        )
        x += 36 + round(5.8 * len(words))
    out.append(
        f'<circle cx="{x + 6}" cy="{legend_y}" r="6" fill="#ffffff" stroke="#000000" '
        f'stroke-width="3"/>\n<text x="{x + 16}" y="{legend_y + 4}" font-size="11" '
        'fill="#111111">in this pack</text>\n'
    )
    if caption:
        out.append(
            f'<text x="12" y="{height - 14}" font-size="11" fill="#444444">'
            f"{xml_text(caption)}</text>\n"
        )
    out.append("</svg>\n")
    return "".join(out)
