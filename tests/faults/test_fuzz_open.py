"""Opening referral packs and merging sync packs that are malformed *inside a genuine
signature and encryption* (what a compromised or buggy peer could send), and the key and
signature files given beside them: bad UTF-8, NUL bytes, huge lines, 100,000-deep JSON, zip
bombs, ``../`` entries, wrong types in every field of every row. Each gets a TriageError with
one line (never another exception), nothing is unpacked or merged, the store's rows and audit
chain are unchanged, and a CLI child stays under MAX_RSS_MB.

tests/packs/test_open_failures.py already covers truncated and bit-flipped packs, wrong keys,
and ``../`` entries in referral packs; this file adds what is malformed under the signature."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from tests.faults import malformed
from tests.faults.helpers import (
    MAX_RSS_MB,
    assert_plain_outcome,
    assert_sound,
    cli_env,
    run_cli,
    state,
)
from tests.packs.sync_helpers import Field
from triage_app.core.errors import TriageError
from triage_app.packs import crypto, signing
from triage_app.packs.open import open_pack
from triage_app.packs.sync import _identity, import_sync_pack

SIGNER = "fuzz-signer"  # a signing key kept in the test's keyring under this store id


def seal(content: bytes, folder: Path, recipient: str, name: str = "pack.age") -> Path:
    """Encrypt ``content`` to ``recipient`` and sign it with SIGNER: a genuine pack around
    whatever bytes the test chose."""
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / (name + ".zip")
    plain.write_bytes(content)
    pack = folder / name
    for leftover in (pack, pack.with_name(name + ".minisig")):
        leftover.unlink(missing_ok=True)
    crypto.encrypt_file(plain, pack, recipients=[recipient])
    signing.sign_file(SIGNER, pack, pack.with_name(name + ".minisig"), "fuzz")
    plain.unlink()
    return pack


def signer_file(folder: Path) -> Path:
    path = folder / "signer.pub"
    path.write_text(signing.public_key_text(SIGNER))
    return path


def zipped(entries: dict[str, bytes]) -> bytes:
    return malformed.zip_with_entries(entries)


def sums_for(entries: dict[str, bytes]) -> bytes:
    return "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in entries.items()).encode()


def referral_zip(entries: dict[str, bytes], manifest: Any = None, sums: bytes | None = None):
    """A referral pack's inside: the files, a manifest listing them, SHA256SUMS of all."""
    if manifest is None:
        manifest = {
            "files": [
                {"name": k, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()}
                for k, v in entries.items()
            ]
        }
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    everything = {**entries, "manifest.json": body}
    return zipped({**everything, "SHA256SUMS": sums if sums is not None else sums_for(everything)})


GOOD_FILE = {"posts.csv": b"id,text\n1,boat\n"}


def referral_cases() -> dict[str, bytes]:
    nested = malformed.nested()
    return {
        "not_a_zip": b"\x00" * 1000,
        "empty_zip": zipped({}),
        "manifest_bad_utf8": referral_zip(GOOD_FILE, manifest=b'{"files": "\xff\xfe"}'),
        "manifest_nul": referral_zip(GOOD_FILE, manifest=b'{"files": [\x00]}'),
        "manifest_nested": referral_zip(GOOD_FILE, manifest=nested),
        "manifest_files_string": referral_zip(GOOD_FILE, manifest={"files": "all"}),
        "manifest_files_ints": referral_zip(GOOD_FILE, manifest={"files": [1, 2]}),
        "manifest_entry_wrong_types": referral_zip(
            GOOD_FILE, manifest={"files": [{"name": ["posts.csv"], "size": "x", "sha256": 5}]}
        ),
        "manifest_size_huge": referral_zip(
            GOOD_FILE, manifest={"files": [{"name": "posts.csv", "size": 10**40, "sha256": "0"}]}
        ),
        "manifest_is_list": referral_zip(GOOD_FILE, manifest=[]),
        "sums_bad_utf8": referral_zip(GOOD_FILE, sums=b"\xff\xfe  posts.csv\n"),
        "sums_nul": referral_zip(GOOD_FILE, sums=b"\x00" * 64 + b"  posts.csv\n"),
        "sums_huge_line": referral_zip(GOOD_FILE, sums=b"a" * (8 << 20)),
        "slip_entry": referral_zip({"../evil.csv": b"x", **GOOD_FILE}),
        "absolute_entry": referral_zip({"/etc/evil": b"x", **GOOD_FILE}),
        "lying_bomb": _lying_referral(),
        "truncated_zip": referral_zip(GOOD_FILE)[:-40],
    }


def _lying_referral() -> bytes:
    """A referral ZIP whose one data entry claims 64 KB but inflates to 64 MB."""
    bomb = malformed.lying_zip_bomb(64)
    return bomb  # no manifest at all: refused before any extraction


@pytest.fixture(scope="module")
def ident() -> x25519.Identity:
    return x25519.Identity.generate()


REFERRAL_BUG: dict[str, str] = {}  # known bugs here get xfail(strict=True) with their reason
SYNC_BUG: dict[str, str] = {}


def _known(bugs: dict[str, str], cases: list[str]) -> list[Any]:
    return [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=bugs[c])) if c in bugs else c
        for c in cases
    ]


@pytest.mark.parametrize("case", _known(REFERRAL_BUG, sorted(referral_cases())))
def test_a_signed_referral_pack_with_bad_insides_is_refused_in_one_line(case, ident, tmp_path):
    content = referral_cases()[case]
    pack = seal(content, tmp_path / "in", str(ident.to_public()))
    out = tmp_path / "opened"
    with pytest.raises(TriageError) as caught:
        open_pack(pack, signer_file(tmp_path), out, identities=[ident])
    assert "\n" not in str(caught.value) and str(caught.value).strip()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_opening_bad_packs_is_one_line_in_bounded_memory(ident, tmp_path):
    """Through `triage pack open` in a memory-capped child: the heaviest cases."""
    identity = tmp_path / "identity.txt"
    identity.write_text(str(ident) + "\n")
    env = cli_env(tmp_path)
    signer = signer_file(tmp_path)
    cases = referral_cases()
    for case in ("sums_huge_line", "lying_bomb", "manifest_size_huge", "slip_entry"):
        pack = seal(cases[case], tmp_path / case, str(ident.to_public()))
        out = tmp_path / f"out-{case}"
        ran = run_cli(
            [
                "pack",
                "open",
                str(pack),
                "--signer",
                str(signer),
                "--identity",
                str(identity),
                "--out",
                str(out),
            ],
            env,
        )
        assert_plain_outcome(ran, case)
        assert ran.code == 1 and not out.exists(), (case, ran.err)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 100,
        b"\xff\xfe\xfd\n",
        b"untrusted comment: x\n" + b"A" * (4 << 20),
        malformed.nested(10_000),
    ],
    ids=["empty", "nul", "bad_utf8", "huge_line", "nested"],
)
@pytest.mark.parametrize("which", ["signer", "signature", "identity"])
def test_bad_key_signature_and_identity_files_are_refused_in_one_line(
    which, content, ident, tmp_path
):
    pack = seal(referral_zip(GOOD_FILE), tmp_path / "in", str(ident.to_public()))
    signer = signer_file(tmp_path)
    identity = tmp_path / "identity.txt"
    identity.write_text(str(ident) + "\n")
    bad = tmp_path / f"bad-{which}"
    bad.write_bytes(content)
    kwargs: dict[str, Any] = {}
    if which == "signer":
        signer = bad
    elif which == "signature":
        kwargs["signature"] = bad
    ids = crypto.load_identities(identity)
    with pytest.raises(TriageError) as caught:
        if which == "identity":
            ids = crypto.load_identities(bad)
        open_pack(pack, signer, tmp_path / "out", identities=ids, **kwargs)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


# -- sync packs ------------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Field, Field, bytes]:
    """Two field stores; field's genuine sync pack for hq, decrypted (the ZIP bytes)."""
    from triage_app.store.decisions import apply_tags

    field, hq = Field(tmp_path, "field", "alice"), Field(tmp_path, "hq", "alice")
    field.import_posts(range(8))
    apply_tags(field.store, [1, 2, 3], add=["boat_crossing"], note="euro price")
    pack = field.export_to(hq)
    plain = tmp_path / "plain.zip"
    crypto.decrypt_file(pack, plain, identities=[_identity(hq.store)])
    return field, hq, plain.read_bytes()


def repack(zip_bytes: bytes, change: Any) -> bytes:
    """Rewrite a sync ZIP after ``change(sections, manifest)``, with a manifest whose sizes
    and hashes match: only a bug in reading the rows can let bad rows through."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        files = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    sections = {
        n: [json.loads(ln) for ln in v.decode().splitlines() if ln.strip()]
        for n, v in files.items()
        if n.endswith(".jsonl")
    }
    manifest["pack_id"] = str(uuid.uuid4())  # a new pack each time, so each one is merged
    raw = change(sections, manifest) or {}
    for name, rows in sections.items():
        files[name] = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    files.update(raw)
    manifest["files"] = [
        {"name": n, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()}
        for n, v in files.items()
    ]
    return zipped({**files, "manifest.json": json.dumps(manifest).encode()})


def merge_refused_or_clean(field: Field, hq: Field, content: bytes, folder: Path) -> str:
    """Seal ``content`` as field's pack to hq and import it; refusals must change nothing."""
    pack = seal(content, folder, hq.recipient)
    before = state(hq.store)
    signer = folder / "signer.pub"
    signer.write_text(signing.public_key_text(SIGNER))
    try:
        import_sync_pack(hq.store, pack, signer)
    except TriageError as exc:
        assert "\n" not in str(exc) and str(exc).strip()
        assert state(hq.store) == before
        return "refused"
    assert state(hq.store)["audit_ok"]
    return "merged"


def sync_cases() -> dict[str, Any]:
    def raw(name: str, data: bytes):
        return lambda sections, manifest: {name: data}

    return {
        "posts_bad_utf8": raw("posts.jsonl", b'{"a": "\xff\xfe"}\n'),
        "posts_nul": raw("posts.jsonl", b"\x00" * 100 + b"\n"),
        "posts_nested": raw("posts.jsonl", malformed.nested() + b"\n"),
        "decisions_nested_objects": raw("decisions.jsonl", malformed.nested_objects() + b"\n"),
        "posts_huge_line": raw("posts.jsonl", b'{"x": "' + b"A" * (16 << 20) + b'"}\n'),
        "posts_not_objects": raw("posts.jsonl", b"[1, 2]\n3\n"),
        "unknown_entry": raw("../evil.jsonl", b"{}\n"),
        "media_slip": raw("media/../../evil.png", b"x"),
    }


@pytest.mark.parametrize("case", _known(SYNC_BUG, sorted(sync_cases())))
def test_a_signed_sync_pack_with_bad_rows_is_refused_and_merges_nothing(case, pair, tmp_path):
    field, hq, plain = pair
    content = repack(plain, sync_cases()[case])
    assert merge_refused_or_clean(field, hq, content, tmp_path / "in") == "refused"
    assert_sound(hq.store)


def _wrong_type_changes(plain: bytes) -> list[tuple[str, Any]]:
    """For every field of the first row of every section: that field given a wrong type."""
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        firsts = {
            n: json.loads(zf.read(n).decode().splitlines()[0])
            for n in zf.namelist()
            if n.endswith(".jsonl") and zf.read(n).strip()
        }
    changes = []
    n = 0
    for section, row in firsts.items():
        for key in row:
            new = malformed.WRONG[n % len(malformed.WRONG)]
            n += 1

            def change(sections, manifest, section=section, key=key, new=new):
                sections[section][0] = {**sections[section][0], key: copy.deepcopy(new)}

            changes.append((f"{section}:{key}={new!r}"[:60], change))
    return changes


def test_a_wrong_type_in_any_field_of_a_sync_row_is_refused_or_merged_cleanly(pair, tmp_path):
    field, hq, plain = pair
    problems = []
    changes = _wrong_type_changes(plain)
    assert len(changes) > 20
    for n, (label, change) in enumerate(changes):
        try:
            merge_refused_or_clean(field, hq, repack(plain, change), tmp_path / f"c{n}")
        except AssertionError:
            raise
        except Exception as exc:  # anything but TriageError escaping is the bug this finds
            problems.append(f"{label}: {type(exc).__name__}: {str(exc)[:80]}")
    assert_sound(hq.store)
    assert problems == [], "\n".join(problems)


@pytest.fixture
def cli_keyring(tmp_path, monkeypatch):
    """A keyring file that this process and the CLI child share (set before ``pair`` makes the
    stores, so their keys are where the child looks)."""
    import keyring

    from tests.store.file_keyring import FileKeyring

    env = cli_env(tmp_path / "cli", encrypted=True)
    monkeypatch.setenv("TRIAGE_TEST_KEYRING_FILE", env["TRIAGE_TEST_KEYRING_FILE"])
    keyring.set_keyring(FileKeyring())
    return env


def _sync_import_of_a_bomb(cli_keyring, pair, tmp_path: Path, megabytes: int, name: str):
    """`triage sync import` of a signed sync pack whose posts.jsonl inflates to ``megabytes``
    MB (manifest honest about it): the child's run."""
    import gc

    field, hq, plain = pair
    # The inflated content is not kept: the child's peak must not inherit it at fork.
    pack = seal(
        repack(plain, lambda s, m: {"posts.jsonl": b"\n" * (megabytes << 20)}),
        tmp_path / name,
        hq.recipient,
    )
    gc.collect()
    signer = signer_file(tmp_path)
    hq.store.close()
    env = dict(cli_keyring)
    env["TRIAGE_DB"] = str(hq.folder / "store.db")
    ran = run_cli(["sync", "import", str(pack), "--signer", str(signer)], env)
    assert_plain_outcome(ran, f"sync bomb of {megabytes} MB")
    return ran


@pytest.mark.slow
def test_cli_sync_import_of_a_zip_bomb_stays_in_bounded_memory(cli_keyring, pair, tmp_path):
    """450 MB inflated, above MAX_RSS_MB: the child stays under it."""
    ran = _sync_import_of_a_bomb(cli_keyring, pair, tmp_path, 450, "in")
    assert ran.maxrss_mb < MAX_RSS_MB


def test_cli_sync_import_memory_does_not_grow_with_the_bomb(cli_keyring, pair, tmp_path):
    """The default run's variant (the 450 MB one is -m slow): 1 MB and 96 MB inflated, the
    child's peak memory the same within a third of the difference."""
    small = _sync_import_of_a_bomb(cli_keyring, pair, tmp_path, 1, "small")
    big = _sync_import_of_a_bomb(cli_keyring, pair, tmp_path, 96, "big")
    assert big.maxrss_mb - small.maxrss_mb < 32, (small.maxrss_mb, big.maxrss_mb)
    assert big.maxrss_mb < MAX_RSS_MB


# -- Hypothesis: arbitrary bytes inside a genuine signature ----------------------------------

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(entries=st.dictionaries(st.text(max_size=20), st.binary(max_size=200), max_size=4))
def test_any_zip_inside_a_signed_referral_pack_is_refused_or_opened(ident, tmp_path, entries):
    safe = {k: v for k, v in entries.items() if k and not k.endswith("/")}
    try:
        content = zipped(safe)
    except (ValueError, UnicodeEncodeError):
        return
    folder = tmp_path / f"h{abs(hash(tuple(safe))) % 10**9}"
    pack = seal(content, folder, str(ident.to_public()))
    out = folder / "out"
    try:
        open_pack(pack, signer_file(folder), out, identities=[ident])
    except TriageError as exc:
        assert "\n" not in str(exc)
        assert not out.exists()
