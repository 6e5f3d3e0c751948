"""Test-only launcher: run the `triage` command line as a named person.

    python -m tests.support.as_person NAME -- ARGS...

The shipped program takes the person from the OS login only (no variable or flag can change it);
tests that need several people on one OS account substitute `current_user` inside this test
process and then call the real `triage_app.cli.main`. This lives in tests/ and never ships."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print("usage: python -m tests.support.as_person NAME -- ARGS...", file=sys.stderr)
        return 2
    from tests.support.run_as import substitute_person

    substitute_person(argv[0])
    from tests.support.peak_memory import report_peak_if_asked
    from triage_app.cli import main as cli_main

    try:
        return cli_main(argv[2:])
    finally:
        report_peak_if_asked()  # the child's own peak memory, for tests that bound it


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
