"""The network each account of a referral pack belongs to (issue 18): how many accounts on which
platforms, how many already taken down, the contact points they share, and a picture of it.

A platform that sees only one account takes down one account; told that the account shares a
WhatsApp number with nine others, four of them on its own platform, it can act on the whole
network at once. The summaries are read once when the pack is built (the states are those of
that moment) and go into referral.html (text and the picture inline), manifest.json, accounts.csv
and one SVG file per network (``networks/N12.svg``). Evidence links stay per post."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.network_svg import Edge, Node, render_svg
from ..store.connection import Store
from ..store.networks import networks_of

MAX_DRAWN = 60  # accounts in a picture; beyond, the nearest to the pack's accounts
MAX_MEMBERS = 500  # accounts listed in the manifest per network
SHARED_SHOWN = 5
KIND_WORDS = {
    "phone": "phone",
    "messaging": "messaging",
    "payment": "payment",
    "email": "e-mail",
    "image": "picture",
    "text": "text",
}


@dataclass
class NetworkSummary:
    """One network as a pack presents it."""

    id: str
    members: list[dict[str, Any]]
    links: list[dict[str, Any]]
    shared: list[dict[str, Any]]
    in_pack: set[int] = field(default_factory=set)
    _svg: str = field(default="", repr=False)  # drawn once (the layout is the costly part)

    @property
    def accounts(self) -> int:
        return len(self.members)

    @property
    def platforms(self) -> dict[str, int]:
        return dict(Counter(str(m["platform"]) for m in self.members).most_common())

    @property
    def taken_down(self) -> int:
        return sum(1 for m in self.members if m["status"] == "taken_down")

    @property
    def statuses(self) -> dict[str, int]:
        return dict(Counter(str(m["status"]) for m in self.members).most_common())

    @property
    def picture(self) -> str:
        """The SVG's name inside the pack."""
        return f"networks/{self.id}.svg"

    def platforms_text(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in self.platforms.items())

    def shared_text(self) -> str:
        return "; ".join(f"{s['shown']} ({s['accounts']} accounts)" for s in self.shared)

    def sentence(self) -> str:
        """'Network N12: 14 accounts (telegram 6, facebook 5, tiktok 3), 4 already taken
        down; they share +218 91-2345678 (9 accounts); …'"""
        text = (
            f"Network {self.id}: {self.accounts} accounts ({self.platforms_text()}), "
            f"{self.taken_down} already taken down"
        )
        return text + (f"; they share {self.shared_text()}" if self.shared else "")

    def manifest(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "accounts": self.accounts,
            "platforms": self.platforms,
            "statuses": self.statuses,
            "taken_down": self.taken_down,
            "shared": [
                {
                    "kind": s["kind"],
                    "value": s["value"],
                    "shown": s["shown"],
                    "accounts": s["accounts"],
                }
                for s in self.shared
            ],
            "members": [
                {
                    "platform": m["platform"],
                    "account_id": m["platform_account_id"],
                    "handle": m["handle"],
                    "status": m["status"],
                    "in_pack": m["id"] in self.in_pack,
                }
                for m in self.members[:MAX_MEMBERS]
            ],
            "links": len(self.links),
            "picture": self.picture,
        }

    def drawn(self) -> tuple[list[dict[str, Any]], str]:
        """The members drawn (all, or the MAX_DRAWN nearest to the pack's accounts) and the
        caption saying so."""
        if len(self.members) <= MAX_DRAWN:
            return self.members, ""
        neighbours: dict[int, set[int]] = {}
        for link in self.links:
            neighbours.setdefault(link["a"], set()).add(link["b"])
            neighbours.setdefault(link["b"], set()).add(link["a"])
        order = sorted(self.in_pack)
        seen = set(order)
        i = 0
        while i < len(order) and len(order) < MAX_DRAWN:
            for other in sorted(neighbours.get(order[i], ())):
                if other not in seen:
                    seen.add(other)
                    order.append(other)
            i += 1
        keep = set(order[:MAX_DRAWN])
        shown = [m for m in self.members if m["id"] in keep]
        return shown, (
            f"{len(shown)} of {self.accounts} accounts drawn, those nearest to this pack's; "
            "all are listed in manifest.json"
        )

    def svg(self, *, standalone: bool = True) -> str:
        """The picture (``standalone``: a file; else to put inline in referral.html)."""
        if not self._svg:
            self._svg = self._draw()
        # The same drawing without the XML declaration (render_svg's one difference).
        return self._svg if standalone else self._svg.split("\n", 1)[1]

    def _draw(self) -> str:
        members, caption = self.drawn()
        keys = {m["id"] for m in members}
        nodes = [
            Node(
                int(m["id"]),
                str(m["platform"]),
                f"@{m['handle']}" if m["handle"] else str(m["platform_account_id"]),
                str(m["status"]),
                m["id"] in self.in_pack,
            )
            for m in members
        ]
        edges = [
            Edge(
                int(link["a"]),
                int(link["b"]),
                ", ".join(KIND_WORDS.get(k, k) for k in link["kinds"]),
                float(link["weight"]),
            )
            for link in self.links
            if link["a"] in keys and link["b"] in keys
        ]
        return render_svg(
            nodes,
            edges,
            title=f"Network {self.id}: {self.accounts} accounts, {self.taken_down} taken down",
            caption=caption,
        )


def pack_networks(store: Store, account_ids: Iterable[int | None]) -> dict[int, NetworkSummary]:
    """account store id -> the summary of its network, for the accounts of a pack that are
    linked to others (an account linked to nobody has none)."""
    ids = {int(a) for a in account_ids if a is not None}
    out: dict[int, NetworkSummary] = {}
    for net in networks_of(store, ids):
        members = net["members"]
        summary = NetworkSummary(
            net["id"],
            members,
            net["links"],
            net["top_shared"][:SHARED_SHOWN],
            {m["id"] for m in members if m["id"] in ids},
        )
        for account in summary.in_pack:
            out[account] = summary
    return out


def distinct(networks: Mapping[int, NetworkSummary]) -> list[NetworkSummary]:
    """Each network once, in the order of their ids."""
    seen: dict[str, NetworkSummary] = {}
    for summary in networks.values():
        seen.setdefault(summary.id, summary)
    return [seen[k] for k in sorted(seen, key=lambda k: int(k[1:]))]
