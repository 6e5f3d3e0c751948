"""The benchmark report: every speed and memory figure of the issues, in one run, each beside its
target, as a Markdown table and JSON. Run by hand (never in CI):

    python tests/perf/bench.py --posts 1000000 [--out bench-out] [--only import,queue]
    python tests/perf/bench.py --only window --store STORE   # the window figures again
    python tests/perf/bench.py --posts 100000,1000000 --out OUT     # one run per size
    python tests/perf/bench.py --merge OUT1/bench-1000000.json OUT2/bench-10000000.json
    python tests/perf/bench.py --backend postgresql --posts 1000000 --out OUT  # issue 16

Each run writes ``bench-<posts>.json`` and ``.md`` into ``--out`` (and ``bench.json``/``.md`` as
before); several sizes, or ``--merge`` of the JSON of separate runs, give one table with a column
per size (``bench-sizes.md``). Separate runs merged afterwards suit a long 10M run: a size that
fails or is killed leaves the others' files whole.

Speeds that depend on the machine are given as a ratio to a baseline measured in the same run
(raw stdlib ``sqlite3`` doing the same work), since these machines are noisy."""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str
    ok: bool | None
    note: str = ""


@dataclass
class Bench:
    posts: int
    out: Path
    figures: list[Figure] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    # What a measurement leaves for the next ones (the PostgreSQL server its store is on),
    # closed when this size's run ends.
    leftovers: ExitStack = field(default_factory=ExitStack)

    def add(
        self, name: str, value: float, unit: str, target: str, ok: bool | None, note: str = ""
    ) -> None:
        fig = Figure(name, round(value, 4), unit, target, ok, note)
        self.figures.append(fig)
        mark = "ok" if ok else ("MISSED" if ok is False else "-")
        print(f"  {name}: {fig.value} {unit} (target {target}) {mark} {note}", flush=True)


LAST_STDERR: list[str] = [""]  # the tail of the last child's stderr (progress lines)


def run_child(
    args: list[str], env: dict[str, str] | None = None, timeout: float | None = None
) -> tuple[float, int, str]:
    """Run a child process; return wall seconds, its own peak RSS in MB, and its stdout.

    The peak is the child's own (``os.wait4``), not the running maximum over every child this
    process has waited for. Its stderr (progress lines) is passed through as it comes, so a long
    run's log shows where it is, and its tail is kept for the error message."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    out_parts: list[bytes] = []
    err_tail = bytearray()

    def read_out() -> None:
        assert proc.stdout is not None
        out_parts.append(proc.stdout.read())

    def pass_err() -> None:
        err = proc.stderr
        assert isinstance(err, io.BufferedReader)
        for chunk in iter(lambda: err.read1(65536), b""):
            sys.stderr.buffer.write(chunk)
            sys.stderr.buffer.flush()
            err_tail.extend(chunk)
            del err_tail[:-4000]

    readers = [threading.Thread(target=read_out), threading.Thread(target=pass_err)]
    for reader in readers:
        reader.start()
    # A hung measurement must not hold a long run forever: killed after ``timeout`` seconds.
    killer = threading.Timer(timeout, proc.kill) if timeout else None
    if killer:
        killer.start()
    for reader in readers:
        reader.join()
    if killer:
        killer.cancel()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    LAST_STDERR[:] = [err_tail.decode("utf-8", "replace")]
    if proc.returncode != 0:
        tail = err_tail.decode("utf-8", "replace").strip()[-2000:]
        what = " ".join(a.strip().splitlines()[0][:30] if a.strip() else "" for a in args[1:4])
        if timeout and elapsed >= timeout:
            raise RuntimeError(f"killed after {timeout:.0f} s: {tail[-300:]} ({what})")
        raise RuntimeError(f"failed: {tail[-1500:]} ({what})")
    return elapsed, usage.ru_maxrss // 1024, b"".join(out_parts).decode("utf-8")


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def db_bytes(path: Path) -> int:
    return sum(
        Path(str(path) + suffix).stat().st_size
        for suffix in ("", "-wal")
        if Path(str(path) + suffix).exists()
    )


def pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# -- measurements ----------------------------------------------------------------------------


def measure_import(b: Bench) -> None:
    """Import of the demo JSONL vs raw sqlite3 executemany + FTS5 insert of the same rows."""
    jsonl = b.out / f"demo-{b.posts}.jsonl"
    if not jsonl.exists():
        # The generator streams (core/demo.py writes 2,000 lines at a time): its peak is the
        # proof that 10M posts are never held in memory.
        t, peak, _ = run_child(
            [
                sys.executable,
                "-c",
                "import sys; from triage_app.core.demo import write_demo_jsonl; "
                "write_demo_jsonl(sys.argv[1], int(sys.argv[2]), 7, "
                "media_dir=None)",
                str(jsonl),
                str(b.posts),
            ]
        )
        b.add(
            "demo corpus generation",
            b.posts / t,
            "posts/s",
            "streams (peak flat in size)",
            peak <= 300,
            f"{t:.1f} s, peak {peak} MB, {jsonl.stat().st_size / 2**30:.2f} GB",
        )
    base_db = b.out / f"baseline-{b.posts}.db"
    baseline = str(Path(__file__).parent / "baseline.py")
    remove_db(base_db)
    t_min, _, _ = run_child([sys.executable, baseline, "--minimal", str(jsonl), str(base_db)])
    minimal_bytes = db_bytes(base_db)
    remove_db(base_db)
    t_base = mem_base = None
    if b.context.get("schema_yardstick", True):
        t_base, mem_base, _ = run_child([sys.executable, baseline, str(jsonl), str(base_db)])
        b.context["baseline_schema"] = str(base_db)  # bench_search.py's raw MATCH runs on it
    store = b.out / f"plain-{b.posts}.db"
    remove_db(store)
    env = {"TRIAGE_DB": str(store), "TRIAGE_PLAIN_STORE": "1"}
    load = os.getloadavg()[0]
    # The import runs under a wrapper that reports its own peak and its reading process's
    # (ingest/parse_process.py): the two run side by side, so their sum is the honest peak.
    t_ours, _, out = run_child([sys.executable, "-c", IMPORT_WRAPPER, str(jsonl)], env=env)
    mem_main, mem_reader = (int(v) for v in out.strip().splitlines()[-1].split())
    mem_ours = mem_main + mem_reader
    min_rate, our_rate = b.posts / t_min, b.posts / t_ours
    b.context["store_plain"] = str(store)
    b.add(
        "import rate (yardstick: raw sqlite3, one table + FTS5: platform, id, time, author, "
        "text, raw line)",
        min_rate,
        "posts/s",
        "-",
        None,
        f"{t_min:.1f} s; {minimal_bytes / b.posts:,.0f} bytes/post",
    )
    if t_base is not None:
        b.add(
            "import rate (second yardstick: raw sqlite3, same rows into the store's schema)",
            b.posts / t_base,
            "posts/s",
            "-",
            None,
            f"{t_base:.1f} s, peak {mem_base} MB",
        )
    b.add(
        "import rate (triage import --no-enrich, plain store)",
        our_rate,
        "posts/s",
        "-",
        None,
        f"{t_ours:.1f} s; load average {load:.2f} at the start",
    )
    b.add(
        "import speed vs the one-table yardstick (same run)",
        our_rate / min_rate,
        "x",
        ">= 0.5",
        our_rate / min_rate >= 0.5,
        "plain store vs stdlib sqlite3, both unencrypted",
    )
    if t_base is not None:
        b.add(
            "import speed vs the store-schema yardstick (same run)",
            our_rate * t_base / b.posts,
            "x",
            "-",
            None,
        )
    b.add(
        "store size after import, per post",
        db_bytes(store) / b.posts,
        "bytes",
        "-",
        None,
        f"{db_bytes(store) / 2**30:.2f} GB; the one-table yardstick "
        f"{minimal_bytes / b.posts:,.0f} bytes/post",
    )
    b.add(
        "import peak memory (importing + reading process)",
        mem_ours,
        "MB",
        "<= 300",
        mem_ours <= 300,
        f"{mem_main} MB + {mem_reader} MB",
    )
    t2, _, out = run_child(
        [
            sys.executable,
            "-m",
            "triage_app.cli",
            "import",
            str(jsonl),
            "--no-enrich",
            "--format",
            "jsonl",
            "--json",
        ],
        env=env,
    )
    again = json.loads(out)[0]
    b.add(
        "re-import adds nothing",
        again["inserted"],
        "posts",
        "0",
        again["inserted"] == 0,
        f"{t2:.1f} s",
    )


IMPORT_WRAPPER = """
import resource, sys
from triage_app.cli import main
code = main(["import", sys.argv[1], "--no-enrich", "--format", "jsonl"])
peak = lambda who: resource.getrusage(who).ru_maxrss // 1024
print(peak(resource.RUSAGE_SELF), peak(resource.RUSAGE_CHILDREN))
sys.exit(code)
"""

MEASUREMENTS: dict[str, Callable[[Bench], None]] = {
    "import": measure_import,
}


def extra_measurements(table: str = "MEASUREMENTS") -> dict[str, Callable[[Bench], None]]:
    """Measurements that live beside this file, one module per area (bench_<area>.py); with
    ``table="PG_MEASUREMENTS"`` those of ``--backend postgresql``."""
    found: dict[str, Callable[[Bench], None]] = {}
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        import importlib.util

        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, fn in getattr(module, table, {}).items():
            found[name] = fn
    return found


def machine() -> dict[str, object]:
    import sqlite3

    import sqlcipher3

    versions: dict[str, object] = {
        "python": platform.python_version(),
        "sqlite (stdlib)": sqlite3.sqlite_version,
    }
    conn = sqlcipher3.connect(":memory:")
    versions["sqlcipher"] = conn.execute("PRAGMA cipher_version").fetchone()[0]
    versions["sqlite (sqlcipher3)"] = conn.execute("SELECT sqlite_version()").fetchone()[0]
    try:
        import PySide6

        versions["PySide6"] = PySide6.__version__
    except ImportError:
        pass
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        **versions,
    }


def measure_size(b: Bench) -> None:
    """The store's size at the end of the run (enriched, tagged), per post."""
    path = b.context.get("store_plain")
    if not path:
        raise RuntimeError("run the import measurement first (it makes the store)")
    size = db_bytes(Path(str(path)))
    b.add(
        "store size at the end (enriched, tagged), per post",
        size / b.posts,
        "bytes",
        "-",
        None,
        f"{size / 2**30:.2f} GB",
    )


MEASUREMENTS["size"] = measure_size


def markdown(b: Bench) -> str:
    lines = [
        f"Benchmark at {b.posts:,} posts — {time.strftime('%Y-%m-%d')}",
        "",
        "| figure | value | target | met |",
        "|---|---|---|---|",
    ]
    for f in b.figures:
        met = "yes" if f.ok else ("**no**" if f.ok is False else "")
        value = f"{f.value:,.4g} {f.unit}"
        note = f" ({f.note})" if f.note else ""
        lines.append(f"| {f.name} | {value}{note} | {f.target} | {met} |")
    m = b.context.get("machine", {})
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items())]
    loads = b.context.get("load", {})
    if loads:
        lines.append(
            "Load average (1/5/15 min) at the start of each measurement: "
            + "; ".join(f"{k} {v}" for k, v in loads.items())
        )
    return "\n".join(lines) + "\n"


def _cell(fig: dict[str, Any] | None) -> str:
    if fig is None:
        return "not measured"
    value = fig["value"]
    text = "failed" if value != value else f"{value:,.4g} {fig['unit']}"  # NaN: failed
    mark = " ✓" if fig["ok"] is True else (" **✗**" if fig["ok"] is False else "")
    return text + mark


def _one_per_size(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of the same size combined (e.g. a full run, then ``--only window --store`` again):
    a figure measured again replaces the earlier one, in the order the files were given."""
    combined: dict[int, dict[str, Any]] = {}
    for run in runs:
        posts = int(run["posts"])
        into = combined.setdefault(posts, {"posts": posts, "context": {}, "figures": []})
        # a measurement run again replaces its earlier failure
        again = {f"{name} (failed)" for name in run.get("context", {}).get("load", {})}
        figures = {str(f["name"]): f for f in into["figures"] if f["name"] not in again}
        figures.update({str(f["name"]): f for f in run["figures"]})
        into["figures"] = list(figures.values())
        ctx = dict(run.get("context", {}))
        loads = {**into["context"].get("load", {}), **ctx.get("load", {})}
        first = into["context"].get("date") or ctx.get("date")  # when the size's run began
        into["context"] = {**into["context"], **ctx, "load": loads, "date": first}
    return [combined[n] for n in sorted(combined)]


def merged_markdown(runs: list[dict[str, Any]]) -> str:
    """One table, a column per size: how each figure grows from the smallest size to the
    largest. The figures' names are the rows, in the order they were first measured."""
    runs = _one_per_size(runs)
    names: list[str] = []
    targets: dict[str, str] = {}
    by_size: list[dict[str, dict[str, Any]]] = []
    for run in runs:
        figs = {str(f["name"]): f for f in run["figures"]}
        by_size.append(figs)
        for name, fig in figs.items():
            if name not in names:
                names.append(name)
            targets.setdefault(name, str(fig["target"]))
    sizes = [f"{int(r['posts']):,} posts" for r in runs]
    grow = len(runs) > 1
    head = ["figure", *sizes, "target"] + (["largest / smallest"] if grow else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [_cell(figs.get(name)) for figs in by_size]
        row = [name, *cells, targets[name]]
        if grow:
            first, last = by_size[0].get(name), by_size[-1].get(name)
            ratio = ""
            if first and last and first["value"] and first["value"] == first["value"]:
                ratio = f"{float(last['value']) / float(first['value']):,.2f}x"
            row.append(ratio)
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for run in runs:
        ctx = run.get("context", {})
        loads = ctx.get("load", {})
        when = ctx.get("date", "")
        lines.append(
            f"- {int(run['posts']):,} posts, {when}: load average (1/5/15 min) at the start of "
            "each measurement: "
            + ("; ".join(f"{k} {v}" for k, v in loads.items()) or "not recorded")
        )
    m = runs[-1].get("context", {}).get("machine", {})
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items())]
    return "\n".join(lines) + "\n"


def run_size(posts: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    b = Bench(posts, out)
    b.context["machine"] = machine()
    b.context["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    b.context["schema_yardstick"] = not args.no_schema_yardstick
    b.context["load"] = {}
    if args.store:
        b.context["store_plain"] = str(Path(args.store).resolve())
    extras = extra_measurements()
    # Order matters: import makes the store, enrichment fills it, the window tags it last.
    order = [
        "postgresql",  # --backend postgresql: the server's import, then its window
        "import",
        "enrich",
        "stats",
        "pivots",
        "search",
        "window",
        "checks",
        "size",
        "packs",
        "packs_store",
        "encryption",
    ]
    table = {**MEASUREMENTS, **extras}
    if args.backend == "postgresql":  # a throw-away server's figures (bench_pg_*.py)
        table = extra_measurements("PG_MEASUREMENTS")
        b.context["pg_shared_buffers"] = args.pg_shared_buffers
    table = {k: table[k] for k in order if k in table} | table
    chosen = args.only.split(",") if args.only else list(table)
    with b.leftovers:
        run_chosen(b, args, out, table, chosen)
    print()
    print(markdown(b))
    result = {"posts": b.posts, "context": b.context, "figures": [asdict(f) for f in b.figures]}
    return json.loads(json.dumps(result, default=str))


def run_chosen(
    b: Bench,
    args: argparse.Namespace,
    out: Path,
    table: dict[str, Callable[[Bench], None]],
    chosen: list[str],
) -> None:
    """The chosen measurements in order, the report written after each."""
    posts = b.posts
    for name in chosen:
        print(f"== {name} ({posts:,} posts) {time.strftime('%H:%M:%S')}", flush=True)
        b.context["load"][name] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        try:
            table[name](b)
        except Exception as exc:  # one failing measurement must not hide the others
            b.add(f"{name} (failed)", float("nan"), "", "-", False, str(exc)[:300])
        # written after every measurement: a killed long run keeps what it measured
        result = {"posts": b.posts, "context": b.context, "figures": [asdict(f) for f in b.figures]}
        text = json.dumps(result, indent=2, default=str)
        for stem in ("bench", args.name or f"bench-{posts}"):
            (out / f"{stem}.json").write_text(text)
            (out / f"{stem}.md").write_text(markdown(b))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--posts", default="100000", help="posts, or several sizes comma-separated (one run each)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench-out"))
    parser.add_argument("--only", help="comma-separated measurement names")
    parser.add_argument(
        "--store",
        help="an imported plain store to measure (with --only window,pivots,stats: "
        "skips making one; the window measurement tags its posts)",
    )
    parser.add_argument(
        "--no-schema-yardstick",
        action="store_true",
        help="skip the second import yardstick (raw sqlite3 into the store's schema; 15 min at "
        "10M posts); the search figure then has no raw MATCH ratio",
    )
    parser.add_argument(
        "--name",
        help="file name of this run's report (default bench-<posts>; e.g. bench-<posts>-window "
        "for a second run on the same store, so the first run's report stays)",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="JSON",
        help="render the JSON of separate runs as one table, a column per size "
        "(written to --out/bench-sizes.md)",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-shared-buffers",
        default="1GB",
        help="with --backend postgresql: the throw-away server's shared_buffers",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.merge:
        runs = [json.loads(Path(p).read_text()) for p in args.merge]
    else:
        sizes = [int(v.replace("_", "")) for v in str(args.posts).split(",") if v.strip()]
        runs = [run_size(n, args, out) for n in sizes]
        if len(runs) == 1:
            return 0
    table = merged_markdown(runs)
    (out / "bench-sizes.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
