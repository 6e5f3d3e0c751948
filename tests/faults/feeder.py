"""A child process that feeds files to one importer and reports each outcome as a JSON line.

Runs apart from pytest under an address-space limit (see helpers.limit_memory), so an importer
that would eat all the machine's memory fails with MemoryError here instead of taking the
test run (and the machine) down. For each file it prints {"name", "outcome", "error",
"changed", "crash"}: a refused file must leave the store's rows and audit chain unchanged."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.faults.helpers import state
from tests.support.peak_memory import own_peak_mb
from triage_app.ingest.pipeline import import_paths
from triage_app.store import open_store


def feed_one(store: object, path: Path, fmt: str) -> dict[str, object]:
    before = state(store)
    result: dict[str, object] = {"name": path.name}
    try:
        summaries = import_paths(store, [path], fmt=fmt)  # type: ignore[arg-type]
    except BaseException as exc:  # the finding: anything escaping import_paths is a bug
        result["crash"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        result["changed"] = state(store) != before
        return result
    after = state(store)
    counted = [s for s in summaries if not s.passed_over]
    refused = [s for s in counted if s.error]
    if counted and len(refused) == len(counted):
        result["outcome"] = "refused"
        result["error"] = refused[0].error
        result["changed"] = after != before
    elif not counted:
        result["outcome"] = "passed over"
        result["changed"] = after != before
    else:
        result["outcome"] = "imported"
        result["changed"] = False
    result["inserted"] = sum(s.inserted for s in summaries)
    result["quarantined"] = sum(s.quarantined for s in summaries)
    result["audit_ok"] = after["audit_ok"]
    result["rss_mb"] = own_peak_mb()  # not ru_maxrss: inherited from pytest (peak_memory.py)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    store = open_store(Path(args.store), user="alice")
    try:
        for name in args.files:
            print(json.dumps(feed_one(store, Path(name), args.format)), flush=True)
        integrity = store.scalar("PRAGMA integrity_check")
        print(json.dumps({"integrity": integrity}), flush=True)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
