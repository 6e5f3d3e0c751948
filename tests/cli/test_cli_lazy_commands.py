"""The command line imports only the module of the command it runs (start-up time), so the
table that says which module registers which command must stay complete and right."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import subprocess
import sys

from triage_app import cli, commands


def _registered_by_each_module() -> dict[str, str]:
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(commands.__path__):
        module = importlib.import_module(f"triage_app.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is None:
            continue
        sub = argparse.ArgumentParser().add_subparsers()
        register(sub)
        for name in sub.choices:
            found[name] = info.name
    return found


def test_the_command_table_matches_what_the_modules_register() -> None:
    assert _registered_by_each_module() == cli.COMMAND_MODULES


def test_the_command_name_is_found_after_global_options_and_their_values() -> None:
    assert cli.command_name(["--db", "tag", "stats"]) == "stats"
    assert cli.command_name(["--data-dir", "D", "--passphrase-file", "P", "tag", "1"]) == "tag"
    assert cli.command_name(["--help"]) is None
    assert cli.command_name([]) is None


def test_a_command_run_imports_only_its_own_module() -> None:
    code = (
        "import sys; from triage_app import cli; cli.build_parser(['stats', '--help'][:1]);"
        "print(sorted(m for m in sys.modules if m.startswith('triage_app.commands.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "triage_app.commands.stats" in out
    assert "triage_app.commands.sync" not in out
    assert "triage_app.commands.demo" not in out


def test_help_and_unknown_commands_still_list_every_command(capsys) -> None:
    assert cli.main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    for name in ("import", "tag", "pack", "sync", "stats"):
        assert name in err
