"""The pack commands' failures as a person sees them: exit 1 (or 2 for a wrong command) and one
plain line on stderr, never a traceback; nothing left at the destination."""

from __future__ import annotations

from pathlib import Path

from pyrage import x25519

from tests.packs.helpers import approved_store
from tests.packs.test_end_to_end import cli_env  # noqa: F401 (fixture)
from tests.support.run_as import run_cli_as


def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """The CLI as alice, the supervisor who made the store in-process."""
    return run_cli_as("alice", *args, env=env)


def cli(env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli(*args, env=env)
    assert code == 0, f"triage {' '.join(args)} -> {code}: {err}"
    return out


def prepare(make_store, tmp_path: Path) -> None:
    """The store the CLI opens (TRIAGE_DB = tmp_path/store.db), made in-process: quicker."""
    approved_store(make_store, tmp_path).close()


def one_line_error(code: int, err: str, expected_code: int, text: str) -> None:
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], err
    assert "Traceback" not in err


def test_cli_failures(tmp_path: Path, cli_env, make_store):  # noqa: F811
    prepare(make_store, tmp_path)
    ident = x25519.Identity.generate()
    (tmp_path / "id.txt").write_text(str(ident) + "\n")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(str(x25519.Identity.generate()) + "\n")
    pack = tmp_path / "p.age"
    cli(
        cli_env,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        str(ident.to_public()),
        "--out",
        str(pack),
    )
    cli(cli_env, "keys", "export-public", "--out", str(tmp_path / "signer.pub"))
    assert cli(
        cli_env, "pack", "verify", str(pack), "--signer", str(tmp_path / "signer.pub")
    ).startswith("Signature OK")

    cases = [
        (
            (
                "pack",
                "open",
                str(pack),
                "--signer",
                str(tmp_path / "signer.pub"),
                "--identity",
                str(wrong),
                "--out",
                str(tmp_path / "o"),
            ),
            1,
            "None of the given age identities",
        ),
        (
            (
                "pack",
                "open",
                str(pack),
                "--signer",
                str(tmp_path / "id.txt"),
                "--identity",
                str(tmp_path / "id.txt"),
                "--out",
                str(tmp_path / "o"),
            ),
            1,
            "not a minisign public key",
        ),
        (
            (
                "pack",
                "open",
                str(pack),
                "--signer",
                str(tmp_path / "signer.pub"),
                "--identity",
                str(tmp_path / "signer.pub"),
                "--out",
                str(tmp_path / "o"),
            ),
            1,
            "not an age secret key",
        ),
        (
            (
                "pack",
                "open",
                str(pack),
                "--signer",
                str(tmp_path / "signer.pub"),
                "--out",
                str(tmp_path / "o"),
            ),
            2,
            "give --identity or --pack-passphrase-file",
        ),
        (
            (
                "pack",
                "verify",
                str(tmp_path / "missing.age"),
                "--signer",
                str(tmp_path / "signer.pub"),
            ),
            1,
            "No pack file",
        ),
        (
            ("pack", "build", "--platform", "facebook", "--out", str(tmp_path / "q.age")),
            2,
            "give --recipient",
        ),
        (
            (
                "pack",
                "build",
                "--platform",
                "facebook",
                "--recipient",
                "age1xyz",
                "--out",
                str(tmp_path / "q.age"),
            ),
            1,
            "not a valid age public key",
        ),
        (("recipients", "add", "liaison", "not-a-key"), 1, "not an age X25519 public key"),
        (("keys", "export-public", "--out", str(tmp_path / "signer.pub")), 1, "already exists"),
    ]
    for args, expected, text in cases:
        code, _, err = run_cli(*args, env=cli_env)
        one_line_error(code, err, expected, text)
    assert not (tmp_path / "o").exists() and not (tmp_path / "q.age").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_an_analyst_gets_a_plain_refusal(tmp_path: Path, cli_env, make_store):  # noqa: F811
    prepare(make_store, tmp_path)
    cli(cli_env, "users", "add", "bob", "--role", "analyst")
    code, _, err = run_cli_as(
        "bob",
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        str(x25519.Identity.generate().to_public()),
        "--out",
        str(tmp_path / "p.age"),
        env=cli_env,
    )
    one_line_error(code, err, 1, "needs the supervisor role")
    assert not (tmp_path / "p.age").exists()
