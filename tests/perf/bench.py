"""The benchmark report: every speed and memory figure of the issues, in one run, each beside its
target, as a Markdown table and JSON. Run by hand (never in CI):

    python tests/perf/bench.py --posts 1000000 [--out bench-out] [--only import,queue]
    python tests/perf/bench.py --only window --store STORE   # the window figures again

Speeds that depend on the machine are given as a ratio to a baseline measured in the same run
(raw stdlib ``sqlite3`` doing the same work), since these machines are noisy."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

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
    context: dict[str, object] = field(default_factory=dict)

    def add(
        self, name: str, value: float, unit: str, target: str, ok: bool | None, note: str = ""
    ) -> None:
        fig = Figure(name, round(value, 4), unit, target, ok, note)
        self.figures.append(fig)
        mark = "ok" if ok else ("MISSED" if ok is False else "-")
        print(f"  {name}: {fig.value} {unit} (target {target}) {mark} {note}", flush=True)


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a child process; return wall seconds, its peak RSS in MB, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        args, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{args[:4]} failed: {proc.stderr.strip()[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024, proc.stdout


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
        t, _, _ = run_child(
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
            "1M posts in minutes",
            t < 600,
            f"{t:.1f} s",
        )
    base_db = b.out / "baseline.db"
    baseline = str(Path(__file__).parent / "baseline.py")
    for suffix in ("", "-wal", "-shm"):
        Path(str(base_db) + suffix).unlink(missing_ok=True)
    t_min, _, _ = run_child([sys.executable, baseline, "--minimal", str(jsonl), str(base_db)])
    for suffix in ("", "-wal", "-shm"):
        Path(str(base_db) + suffix).unlink(missing_ok=True)
    t_base, mem_base, _ = run_child([sys.executable, baseline, str(jsonl), str(base_db)])
    store = b.out / "plain.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    env = {"TRIAGE_DB": str(store), "TRIAGE_PLAIN_STORE": "1"}
    load = os.getloadavg()[0]
    # The import runs under a wrapper that reports its own peak and its reading process's
    # (ingest/parse_process.py): the two run side by side, so their sum is the honest peak.
    t_ours, _, out = run_child([sys.executable, "-c", IMPORT_WRAPPER, str(jsonl)], env=env)
    mem_main, mem_reader = (int(v) for v in out.strip().splitlines()[-1].split())
    mem_ours = mem_main + mem_reader
    min_rate, base_rate, our_rate = b.posts / t_min, b.posts / t_base, b.posts / t_ours
    b.context["store_plain"] = str(store)
    b.add(
        "import rate (yardstick: raw sqlite3, one table + FTS5: platform, id, time, author, "
        "text, raw line)",
        min_rate,
        "posts/s",
        "-",
        None,
        f"{t_min:.1f} s",
    )
    b.add(
        "import rate (second yardstick: raw sqlite3, same rows into the store's schema)",
        base_rate,
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
    b.add(
        "import speed vs the store-schema yardstick (same run)",
        our_rate / base_rate,
        "x",
        "-",
        None,
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


def extra_measurements() -> dict[str, Callable[[Bench], None]]:
    """Measurements that live beside this file, one module per area (bench_<area>.py)."""
    found: dict[str, Callable[[Bench], None]] = {}
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        import importlib.util

        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, fn in getattr(module, "MEASUREMENTS", {}).items():
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
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items())]  # type: ignore[union-attr]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--out", default=str(ROOT / "bench-out"))
    parser.add_argument("--only", help="comma-separated measurement names")
    parser.add_argument(
        "--store",
        help="an imported plain store to measure (with --only window,pivots,stats: "
        "skips making one; the window measurement tags its posts)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    b = Bench(args.posts, out)
    b.context["machine"] = machine()
    if args.store:
        b.context["store_plain"] = str(Path(args.store).resolve())
    extras = extra_measurements()
    # Order matters: import makes the store, enrichment fills it, the window tags it last.
    order = ["import", "enrich", "stats", "pivots", "window", "packs", "encryption"]
    table = {**MEASUREMENTS, **extras}
    table = {k: table[k] for k in order if k in table} | table
    chosen = args.only.split(",") if args.only else list(table)
    for name in chosen:
        print(f"== {name}", flush=True)
        try:
            table[name](b)
        except Exception as exc:  # one failing measurement must not hide the others
            b.add(f"{name} (failed)", float("nan"), "", "-", False, str(exc)[:300])
    report = markdown(b)
    (out / "bench.md").write_text(report)
    (out / "bench.json").write_text(
        json.dumps(
            {"posts": b.posts, "context": b.context, "figures": [asdict(f) for f in b.figures]},
            indent=2,
            default=str,
        )
    )
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
