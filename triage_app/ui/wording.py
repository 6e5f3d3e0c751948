"""Window messages speak of the window: the store and importers word their errors for the
command line ("… (--note)", "use --format", "give it with --passphrase-file", "'triage
recipients add …'"), and the window shows the same errors. :func:`window_wording` rewrites that
advice into what the person can do in the window; every message the window shows from a
TriageError goes through it (errors.py, the import dialog, the lock screen, the first start)."""

from __future__ import annotations

import re

# (pattern, window wording): the specific advice first, then a fallback for anything left.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\s*\(--note\)", ""),
        (
            r"\(use --format to force one\)",
            "(choose its format in the Import window's Format list and import it again)",
        ),
        (
            r"; say which with --format",
            "; choose which in the Import window's Format list and import it again",
        ),
        (
            r"\. Give a passphrase with --passphrase-file or TRIAGE_PASSPHRASE_FILE to protect "
            r"the store key, or set TRIAGE_PLAIN_STORE=1 for an unencrypted store",
            ". A passphrase that you choose here protects the store key instead",
        ),
        (r"; give it with --passphrase-file or TRIAGE_PASSPHRASE_FILE", "; type it here"),
        (
            r"Copy it with a passphrase-wrapped key \('triage db rekey --new-passphrase-file F' "
            r"where it was made\)",
            "Where it was made, give its key a passphrase (the administrator's 'db rekey'), "
            "then open it here with that passphrase",
        ),
        (
            r"\(the peer prints it with: triage sync id\)",
            "(the peer's Sync window shows it as 'This store's sync key')",
        ),
        (
            r"add it with 'triage recipients add [^']*' or give the age public key",
            "add it in File ▸ Liaison address book…",
        ),
        (
            r"triage recipients add LABEL AGE_PUBKEY",
            "add one with “Liaison address book…” (below)",
        ),
        (
            r"with 'triage settings self-approval on'",
            "with “Allow self-approval (one-person team)” in the Supervisor review tab",
        ),
        (
            r"'triage users add [^']*'",
            "the user list (a supervisor adds your public key)",
        ),
        (
            r"create one with 'triage demo' or 'triage import'",
            "start the program with --demo, or import a file into a new store",
        ),
        (
            r"--key-passphrase-file \(or TRIAGE_KEY_PASSPHRASE_FILE\)",
            "the personal key passphrase the window asks for",
        ),
        (r"'triage audit verify' lists them all", "View ▸ Verify audit chain names each"),
        (
            r"; give --date-order dmy \(day first\) or --date-order mdy \(month first\)",
            "; choose day first or month first in the Import window's Chat dates list and "
            "import it again",
        ),
        # Anything left: a parenthesis or clause that only gives a command line option.
        (r"\s*\([^()]*(?:--[a-z][\w-]*|TRIAGE_[A-Z_]+|'triage [^']*')[^()]*\)", ""),
        (
            r"[;,] (?:use|give|set|run|with) [^.;]*(?:--[a-z][\w-]*|TRIAGE_[A-Z_]+|'triage [^']*')"
            r"[^.;]*",
            "",
        ),
    )
)

# What no window message may contain (tests grep for these).
CLI_MARKERS = re.compile(r"--[a-z][\w-]*|TRIAGE_[A-Z_]+|\btriage (?:[a-z]+ )*[a-z]+ [A-Z]")


def window_wording(text: str) -> str:
    """``text`` with command-line advice replaced by what to do in the window."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
