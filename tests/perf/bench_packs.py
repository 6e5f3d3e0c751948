"""Referral pack figures (issue 7): a 10,000-post pack with media built, encrypted and signed in
<= 5 s, and a 100,000-post pack with peak memory <= 300 MB. Uses tests/packs/bench_pack.py."""

from __future__ import annotations

from typing import Any


def measure_packs(b: Any) -> None:
    from tests.packs.bench_pack import measure

    small = measure(10_000, 2)
    b.add(
        "pack of 10,000 posts (with media): build+encrypt+sign",
        small["seconds"],
        "s",
        "<= 5",
        small["seconds"] <= 5,
        f"{small['media_files']} media, {small['pack_bytes'] / 2**20:.0f} MB, "
        f"cpu {small['cpu_seconds']:.1f} s",
    )
    big = measure(100_000, 20)
    b.add(
        "pack of 100,000 posts: peak memory",
        big["peak_rss_mb"],
        "MB",
        "<= 300",
        big["peak_rss_mb"] <= 300,
        f"{big['seconds']:.0f} s, {big['media_files']} media",
    )


MEASUREMENTS = {"packs": measure_packs}
