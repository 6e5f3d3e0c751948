"""Issue 16's figures on a team server, for ``tests/perf/bench.py --backend postgresql``: the
import against a raw psycopg COPY of the same rows in the same run, the import's peak memory,
the queue's first page and the search's first page. Run by hand (never in CI):

    python tests/perf/bench.py --backend postgresql --posts 1000000 --out /work/bench-out/pg-1m

A throw-away local server is started the way the tests start one (tests/support/pg_server.py:
initdb in /tmp, Unix socket only, fsync off, which both sides of the import ratio share), with
``--pg-shared-buffers`` (default 1GB: a server tuned for its machine; the tests' own 32 MB
makes every search of a million posts read the index through the OS cache).

- The yardstick (``raw_copy``): one table holding what an import must keep (platform, id,
  time, author and its handle and name, text, language, the raw line, unique on platform + id)
  with a weighted full-text ``tsvector`` of the text, handle and name and its GIN index, filled
  by a single psycopg COPY of every line of the file in one transaction: the analogue of the
  SQLite yardstick's one table + FTS5 (tests/perf/baseline.py --minimal).
- Ours: ``triage --db URL import FILE --no-enrich --format jsonl`` in a child process (the
  schema made beforehand with ``triage db create``, not timed), as the SQLite import figure
  runs it; its peak is the importing and reading processes' together.
- Then ``VACUUM ANALYZE`` and, on the imported store, the queue's first page (100 ids in queue
  order and 50 display rows, max of 10 after a warm-up) and the search's first page (p95 over
  three rounds of bench_search.QUERIES), as tests/perf/bench_pg_search.py measures them.

The load average is kept beside each figure: these machines are shared."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "perf"))

RAW_TABLE = """
CREATE TABLE raw_posts (
    id        bigint PRIMARY KEY,
    platform  text NOT NULL,
    post_id   text NOT NULL,
    author    text,
    handle    text,
    name      text,
    posted_at text,
    text      text,
    language  text,
    raw       text NOT NULL,
    document  tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(text, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(handle, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(name, '')), 'C')
    ) STORED,
    UNIQUE (platform, post_id)
);
CREATE INDEX raw_posts_document ON raw_posts USING gin (document);
"""
RAW_COLUMNS = "id, platform, post_id, author, handle, name, posted_at, text, language, raw"


def raw_copy(url: str, jsonl: str) -> None:
    """The yardstick: every line of ``jsonl`` into RAW_TABLE with one COPY, one transaction."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(RAW_TABLE)
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY raw_posts ({RAW_COLUMNS}) FROM STDIN") as copy,
            open(jsonl, encoding="utf-8") as handle,
        ):
            for number, line in enumerate(handle, 1):
                r = json.loads(line)
                copy.write_row(
                    (
                        number,
                        r["platform"],
                        r["post_id"],
                        r.get("author_id"),
                        r.get("author_handle"),
                        r.get("author_name"),
                        r.get("created_at"),
                        r.get("text"),
                        r.get("language"),
                        line.rstrip("\n"),
                    )
                )
        conn.commit()


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def measure_pg(b: Any) -> None:
    """Every figure of issue 16's import, queue and search on one throw-away server."""
    import bench  # type: ignore[import-not-found]

    jsonl = demo_corpus(b)
    buffers = str(b.context.get("pg_shared_buffers") or "1GB")
    from tests.support.pg_server import running_server

    # The server outlives this measurement (stopped at the end of the size's run): the window's
    # (bench_pg_window.py) follows it on the store imported here.
    server = b.leftovers.enter_context(running_server())
    restart_server(server, buffers)
    RUNNING["server"] = server  # the window's measurement restarts it durable
    b.context["pg_server"] = f"local socket, fsync off, shared_buffers {buffers}"
    raw_url = server.empty_database()
    load_raw = load()
    t_raw, mem_raw, _ = bench.run_child(
        [sys.executable, __file__, "--raw-copy", raw_url, str(jsonl)]
    )
    b.add(
        "PostgreSQL import rate (yardstick: raw psycopg COPY into one table + GIN "
        "full-text index: platform, id, time, author, text, raw line)",
        b.posts / t_raw,
        "posts/s",
        "-",
        None,
        f"{t_raw:.1f} s, peak {mem_raw} MB; load average {load_raw} at the start",
    )
    url = server.empty_database()
    env = {"TRIAGE_DB": url}
    bench.run_child([sys.executable, "-m", "triage_app.cli", "db", "create"], env=env)
    load_ours = load()
    t_ours, _, out = bench.run_child(
        [sys.executable, "-c", bench.IMPORT_WRAPPER, str(jsonl)], env=env
    )
    mem_main, mem_reader = (int(v) for v in out.strip().splitlines()[-1].split())
    b.add(
        "PostgreSQL import rate (triage --db URL import --no-enrich)",
        b.posts / t_ours,
        "posts/s",
        "-",
        None,
        f"{t_ours:.1f} s; load average {load_ours} at the start, {load()} at the end",
    )
    ratio = t_raw / t_ours
    b.add(
        "PostgreSQL import speed vs the raw COPY (same run)",
        ratio,
        "x",
        ">= 0.5",
        ratio >= 0.5,
        "same server, same rows",
    )
    b.add(
        "PostgreSQL import peak memory (importing + reading process)",
        mem_main + mem_reader,
        "MB",
        "-",
        None,
        f"{mem_main} MB + {mem_reader} MB",
    )
    reads(b, url)
    b.context["pg_url"] = url  # the imported store, for the window measurement after this


def reads(b: Any, url: str) -> None:
    """Queue first page and search first page p95 on the imported store."""
    import psycopg
    from bench_pg_search import PAGE, ROUNDS, ROWS, pct, timed  # type: ignore[import-not-found]
    from bench_search import QUERIES  # type: ignore[import-not-found]

    from triage_app.store import open_store
    from triage_app.store.queue import QueueQuery, queue_ids, queue_rows

    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("VACUUM ANALYZE")
    store = open_store(url)
    try:
        at = load()
        queue = timed(
            lambda: queue_rows(store, list(queue_ids(store, QueueQuery(), limit=PAGE))[:ROWS]),
            10,
        )
        b.add(
            "PostgreSQL queue first page (100 ids + 50 rows)",
            max(queue),
            "s",
            "<= 0.5",
            max(queue) <= 0.5,
            f"max of 10, p50 {pct(queue, 0.5):.1f} ms; load average {at}",
        )
        at = load()
        times: list[float] = []
        for q in QUERIES:

            def page(q: str = q) -> None:
                queue_rows(store, list(queue_ids(store, QueueQuery(search=q), limit=PAGE))[:ROWS])

            times += timed(page, ROUNDS)
        p95 = pct(times, 0.95)
        b.add(
            "PostgreSQL search first page p95",
            p95,
            "ms",
            "<= 150",
            p95 <= 150,
            f"{len(QUERIES)} queries x {ROUNDS}, p50 {pct(times, 0.5):.1f} ms; load average {at}",
        )
    finally:
        store.close()


def demo_corpus(b: Any) -> Path:
    """The demo JSONL the SQLite import measurement uses (same generator, same seed)."""
    import bench  # type: ignore[import-not-found]

    jsonl = Path(b.out) / f"demo-{b.posts}.jsonl"
    if not jsonl.exists():
        bench.run_child(
            [
                sys.executable,
                "-c",
                "import sys; from triage_app.core.demo import write_demo_jsonl; "
                "write_demo_jsonl(sys.argv[1], int(sys.argv[2]), 7, media_dir=None)",
                str(jsonl),
                str(b.posts),
            ]
        )
    return jsonl


# The throw-away server of this run (not JSON, so not in the report's context).
RUNNING: dict[str, Any] = {}


def restart_server(server: Any, size: str, *, durable: bool = False) -> None:
    """Restart the server with ``size`` of shared_buffers instead of the tests' 32 MB (the
    start options are pg_ctl's own, which ALTER SYSTEM cannot override), checked with SHOW.
    ``durable``: with the server's own defaults for the disk (fsync, synchronous_commit and
    full_page_writes on), as a team's server runs: every COMMIT waits for the log on disk.
    Off for the import ratio, whose two sides share the setting; on for the window, whose tag
    key is a COMMIT a person waits for (bench_pg_window.py)."""
    disk = "on" if durable else "off"
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{server.socket_dir}' "
        f"-c fsync={disk} -c synchronous_commit={disk} -c full_page_writes={disk} "
        f"-c shared_buffers={size} -c max_connections=100"
    )
    server._pg_ctl("-l", str(server.log), "-o", options, "-w", "-t", "60", "restart")
    admin = server.admin()
    try:
        shown = admin.execute("SHOW shared_buffers").fetchone()[0]
        synced = admin.execute("SHOW fsync").fetchone()[0]
        committed = admin.execute("SHOW synchronous_commit").fetchone()[0]
    finally:
        admin.close()
    if shown.replace(" ", "").upper() != size.replace(" ", "").upper():
        raise RuntimeError(f"the server runs with shared_buffers {shown}, not {size}")
    if (synced, committed) != (disk, disk):
        raise RuntimeError(f"the server runs with fsync {synced}, synchronous_commit {committed}")


PG_MEASUREMENTS = {"postgresql": measure_pg}

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--raw-copy":
        raw_copy(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: bench_pg_import.py --raw-copy URL JSONL (or run tests/perf/bench.py)")
