"""Referral pack figures (issue 7): a 10,000-post pack with media built, encrypted and signed in
<= 5 s, and a 100,000-post pack with peak memory <= 300 MB. Uses tests/packs/bench_pack.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _test_keyring(folder: Path) -> None:
    """Signing keys in a file-backed test keyring (this machine has no OS keyring), for this
    process and the build process it starts, as bench_encryption.py does."""
    import keyring

    from tests.store.file_keyring import FileKeyring

    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.store.file_keyring.FileKeyring"
    os.environ["TRIAGE_TEST_KEYRING_FILE"] = str(folder / "pack-keyring.json")
    keyring.set_keyring(FileKeyring())


def measure_packs(b: Any) -> None:
    from tests.packs.bench_pack import measure

    _test_keyring(Path(b.out))

    small: dict[str, Any] = measure(10_000, 2)
    b.add(
        "pack of 10,000 posts (with media): build+encrypt+sign",
        small["seconds"],
        "s",
        "<= 5",
        small["seconds"] <= 5,
        f"{small['media_files']} media, {small['pack_bytes'] / 2**20:.0f} MB, "
        f"cpu {small['cpu_seconds']:.1f} s",
    )
    big: dict[str, Any] = measure(100_000, 20)
    b.add(
        "pack of 100,000 posts: peak memory",
        big["peak_rss_mb"],
        "MB",
        "<= 300",
        big["peak_rss_mb"] <= 300,
        f"{big['seconds']:.0f} s, {big['media_files']} media",
    )


MEASUREMENTS = {"packs": measure_packs}
