"""Where the network view puts each account: a readable, stable layout computed fast.

networkx's spring layout reads well but switches to a slow sparse solver from 500 nodes
(about 3 s for 500 accounts on our machines). Each group (the Louvain community the store already
gives every account) is laid out on its own with the dense spring layout, a circle of its own
whose area grows with its size; the groups are then placed by a spring layout of the graph of
groups and pushed apart until no two circles overlap. Accounts of one group stay together, as
an analyst reads them, and 500 accounts take a tenth of a second. Seeds are fixed: the same
network is drawn the same way each time it is opened.

No Qt here: positions are plain numbers, in scene units (about NODE_GAP between neighbours)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

NODE_GAP = 110.0  # scene units between neighbouring accounts: room for a node and its label
SEED = 7
COMPACT_ROUNDS = 4
Point = tuple[float, float]


def _group_radius(size: int) -> float:
    return NODE_GAP * 0.62 * math.sqrt(size) if size > 1 else NODE_GAP * 0.4


def _inner_layout(members: list[int], edges: list[tuple[int, int, float]]) -> dict[int, Point]:
    """One group on a circle of its own radius, centred on (0, 0)."""
    import networkx as nx  # here: only the network view needs it

    if len(members) == 1:
        return {members[0]: (0.0, 0.0)}
    graph = nx.Graph()
    graph.add_nodes_from(sorted(members))
    graph.add_weighted_edges_from(edges)
    radius = _group_radius(len(members))
    if len(members) == 2:
        a, b = sorted(members)
        return {a: (-radius / 2, 0.0), b: (radius / 2, 0.0)}
    # Below 500 nodes networkx uses its dense solver; a larger group (rare: Louvain splits
    # them) is still laid out, just more slowly.
    pos = nx.spring_layout(graph, seed=SEED, weight="weight", iterations=60)
    keys = sorted(pos)
    points = [[float(pos[n][0]) * radius, float(pos[n][1]) * radius] for n in keys]
    # A clique's accounts can land almost on one another: keep each a node and a half apart.
    _separate(points, [NODE_GAP * 0.3] * len(points), NODE_GAP * 0.1, rounds=60)
    return {n: (x, y) for n, (x, y) in zip(keys, points, strict=True)}


def _separate(
    centres: list[list[float]], radii: list[float], gap: float, rounds: int = 120
) -> None:
    """Push circles apart (in place) until each pair is ``gap`` apart, or ``rounds`` pass."""
    import numpy as np  # networkx's own dependency

    count = len(centres)
    if count < 2:
        return
    xy = np.asarray(centres, dtype=float)
    r = np.asarray(radii, dtype=float)
    need = r[:, None] + r[None, :] + gap
    np.fill_diagonal(need, 0.0)
    # Circles in the same place part in a fixed direction, so the result is stable.
    tie = np.arange(count, dtype=float)
    for _ in range(rounds):
        delta = xy[None, :, :] - xy[:, None, :]  # [i, j] = j - i
        dist = np.hypot(delta[..., 0], delta[..., 1])
        short = np.triu(dist < need, 1)
        if not short.any():
            break
        same = dist < 1e-6
        delta[same, 0] = np.cos(tie[:, None] + tie[None, :])[same]
        delta[same, 1] = np.sin(tie[:, None] + tie[None, :])[same]
        dist = np.where(same, 1.0, dist)
        push = np.where(short | short.T, (need - dist) / 2 + 0.5, 0.0)
        unit = delta / dist[..., None]
        # each circle moves away from every circle it overlaps
        xy -= (unit * push[..., None]).sum(axis=1) * 0.5
    centres[:] = xy.tolist()


def network_layout(
    accounts: Iterable[int],
    edges: Iterable[tuple[int, int, float]],
    groups: Mapping[int, int] | None = None,
) -> dict[int, Point]:
    """Scene positions of ``accounts``; ``edges`` are (a, b, weight); ``groups`` maps an
    account to its community (missing: each connected group of its own)."""
    import networkx as nx  # here: only the network view needs it

    nodes = sorted({int(a) for a in accounts})
    if not nodes:
        return {}
    node_set = set(nodes)
    edge_list = [(int(a), int(b), float(w)) for a, b, w in edges if a in node_set and b in node_set]
    group_of = dict(groups or {})
    if not group_of or any(n not in group_of for n in nodes):
        whole = nx.Graph()
        whole.add_nodes_from(nodes)
        whole.add_weighted_edges_from(edge_list)
        parts = sorted(nx.connected_components(whole), key=lambda p: (-len(p), min(p)))
        group_of = {n: i for i, part in enumerate(parts) for n in part}
    members: dict[int, list[int]] = defaultdict(list)
    for n in nodes:
        members[group_of[n]].append(n)
    inner_edges: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    between: dict[tuple[int, int], float] = defaultdict(float)
    for a, b, w in edge_list:
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is None or gb is None:
            continue
        if ga == gb:
            inner_edges[ga].append((a, b, w))
        else:
            between[(min(ga, gb), max(ga, gb))] += w
    keys = sorted(members)
    inner = {g: _inner_layout(members[g], inner_edges[g]) for g in keys}
    radii = [
        max(NODE_GAP * 0.4, *(math.hypot(x, y) + NODE_GAP * 0.3 for x, y in inner[g].values()))
        for g in keys
    ]
    if len(keys) == 1:
        centres = [[0.0, 0.0]]
    else:
        outer = nx.Graph()
        outer.add_nodes_from(keys)
        outer.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(between.items()))
        pos = nx.spring_layout(outer, seed=SEED, weight="weight", iterations=80)
        spread = math.sqrt(sum(math.pi * r * r for r in radii)) * 1.1
        centres = [[float(pos[g][0]) * spread, float(pos[g][1]) * spread] for g in keys]
        _separate(centres, radii, NODE_GAP * 0.45)
        # The spring layout leaves wide empty rings between groups: draw them in towards the
        # middle and part them again, a few times, so the network fills the view.
        for _ in range(COMPACT_ROUNDS):
            mx = sum(c[0] for c in centres) / len(centres)
            my = sum(c[1] for c in centres) / len(centres)
            centres = [[mx + (c[0] - mx) * 0.6, my + (c[1] - my) * 0.6] for c in centres]
            _separate(centres, radii, NODE_GAP * 0.45)
    out: dict[int, Point] = {}
    for g, (cx, cy) in zip(keys, centres, strict=True):
        for n, (x, y) in inner[g].items():
            out[n] = (cx + x, cy + y)
    return out
