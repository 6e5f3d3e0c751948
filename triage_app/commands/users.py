"""`triage users add NAME --role R` and `triage users list`: the people of a store.

On a local store the person is an OS login and a supervisor records them. On a team server the
person is a server login: ``users add`` creates it (or grants the role to an existing one) and
only an admin may; a password, when the login needs one, is read from stdin or asked for,
never taken from the command line (where other users of the machine could read it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.errors import UsageError
from ..store.users import add_user, list_users_with_keys, server_roles
from .context import CommandContext


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="manage the store's users")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    users_sub.required = True
    add = users_sub.add_parser(
        "add", help="add a user (supervisors; on a team server: admins, who create the login)"
    )
    add.add_argument("name")
    add.add_argument(
        "--role",
        required=True,
        choices=["analyst", "supervisor", "admin"],
        help="admin: team servers only (adds people)",
    )
    add.add_argument(
        "--key",
        metavar="PUBFILE",
        help="their personal public key (from 'triage keys export-personal'), registered and "
        "signed by you",
    )
    password = add.add_mutually_exclusive_group()
    password.add_argument(
        "--password-stdin",
        action="store_true",
        help="team server: the new login's password, read from the first line of stdin",
    )
    password.add_argument(
        "--ask-password",
        action="store_true",
        help="team server: ask for the new login's password (twice)",
    )
    add.set_defaults(handler=run_users_add)
    lst = users_sub.add_parser("list", help="list users, roles and whether a key is registered")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_users_list)


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: stdin gave no password")
        return line
    if args.ask_password:
        if not sys.stdin.isatty():
            raise UsageError("--ask-password needs a terminal; use --password-stdin instead")
        first = _read_hidden(f"Password for {args.name}: ")
        if first != _read_hidden("Again: "):
            raise UsageError("The two passwords differ; nothing was changed")
        if not first:
            raise UsageError("An empty password; nothing was changed")
        return first
    return None


def _read_hidden(prompt: str) -> str:
    """One line from the terminal without echoing it."""
    import termios

    fd = sys.stdin.fileno()
    before = termios.tcgetattr(fd)
    quiet = list(before)
    quiet[3] &= ~termios.ECHO
    try:
        # Echo off before the prompt: TCSAFLUSH drops what was typed before it.
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
        sys.stderr.write(prompt)
        sys.stderr.flush()
        return sys.stdin.readline().rstrip("\r\n")
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, before)
        sys.stderr.write("\n")


def run_users_add(args: argparse.Namespace, ctx: CommandContext) -> int:
    from .personal import read_public_key_file

    if args.role == "admin" and ctx.server_url is None:
        raise UsageError("The admin role exists on a team server only; a local store has none")
    if (args.password_stdin or args.ask_password) and ctx.server_url is None:
        raise UsageError("A password belongs to a login on a team server; a local store has none")
    key = read_public_key_file(args.key) if args.key else None
    password = _password(args)
    outcome = add_user(ctx.store(), args.name, args.role, public_key=key, password=password)
    what = "an admin" if args.role == "admin" else f"a {args.role}"
    line = f"{args.name} is now {what}" + (" with a registered key" if key else "")
    if outcome == "created":
        line += " (new server login" + (" with a password)" if password else ")")
    ctx.print(line)
    return 0


def run_users_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    users = list_users_with_keys(store)
    on_server = server_roles(store)
    listed = {name for name, _role, _key in users}
    admins_only = sorted(n for n, roles in on_server.items() if n not in listed and roles)
    if args.json:
        rows: list[dict[str, Any]] = [
            {"name": n, "role": r, "key_registered": k is not None, "public_key": k}
            for n, r, k in users
        ]
        rows += [
            {"name": n, "role": "admin", "key_registered": False, "public_key": None}
            for n in admins_only
        ]
        if store.backend == "postgresql":
            for row in rows:
                row["server_roles"] = on_server.get(row["name"], [])
            rows.sort(key=lambda row: row["name"])
        ctx.print_json(rows)
        return 0
    lines = [(n, r, "key registered" if k else "no key registered") for n, r, k in users]
    lines += [(n, "admin", "no key registered") for n in admins_only]
    for name, role, key in sorted(lines):
        extra = "\tadmin" if role != "admin" and "admin" in on_server.get(name, []) else ""
        ctx.print(f"{name}\t{role}\t{key}{extra}")
    return 0
