"""Twenty analysts on one team server (issue 16): processes, each its own server login, take the
next post and tag it, as the tag key does, for a fixed time. Run by hand (never in CI):

    python tests/perf/bench_pg_team.py [--analysts 20] [--seconds 60] [--posts 20000] [--think S]
                                       [--fixed-think] [--durable]

A throw-away server is started the way the tests start one (tests/support/pg_server.py: initdb
in /tmp, a Unix socket only, fsync off, 32 MB shared_buffers), so the figures are a small local
server's. ``--durable`` restarts it with fsync, synchronous_commit and full_page_writes on
before the analysts start, as a team's server runs: each decision then waits for the log on
disk. Each step is timed from "key pressed" to "committed": ``claim_next`` (SELECT ... FOR
NO KEY UPDATE SKIP LOCKED, store/pg/claims.py) and ``apply_tags`` (the decision, signed, with its
audit row, under the store's writer lock), as the window's tag key does after the post has
been shown (each analyst reads a post's preview, ``post_detail``, before the key; that read is
not timed). At the end the store is read back:

- posts claimed twice: posts tagged by more than one analyst (SKIP LOCKED must make it 0);
- decisions lost: acknowledged tags (the call returned) that are not in the store (must be 0);
- p50/p99 of key -> committed over every analyst's steps, and the load average beside them
  (these machines are shared; the target, 20 ms p99, is for a quiet machine); the p99 again
  without each analyst's first key, and those first keys' median and worst apart: the first
  tag of a session makes the server compile the store's functions and policies for that
  connection (about 2.5 ms more than the next keys, alone on a quiet server); at 20 analysts
  x 60 keys the first keys are 1.7% of the keys, enough to decide a p99 by themselves.

Every analyst's window is open (its process started, the store opened, the personal key
unlocked, the first post claimed and shown) before any analyst presses a key: the timed 60 s
are a team at work, not twenty programs starting on two cores at once (each start takes about
half a second of CPU, and keys pressed during the others' starts measured those starts: the
first keys' worst was 51-120 ms before this wait, 2026-12-05). How long the opening took is
reported too.

Think time: each analyst waits a random time between keys, exponentially distributed with mean
``--think`` (seeded by analyst, so runs repeat), and starts after a random part of it: twenty
people do not press their keys in step. ``--fixed-think`` waits exactly ``--think`` instead
(the analysts then start together and stay nearly in step: bursts of twenty keys at once).

Prints a table and the JSON (``--out`` writes it to a file too)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAG = "boat_crossing"

WORKER = r"""
import json, os, sys, time
url, seconds, think = sys.argv[1], float(sys.argv[2]), float(sys.argv[4])
fixed = sys.argv[5] == "fixed"
import random
rng = random.Random(os.environ["BENCH_PERSON"])
def pause():
    return think if fixed or think <= 0 else rng.expovariate(1 / think)
from triage_app.store import open_store
from triage_app.store.decisions import apply_tags, claim_next
from triage_app.store.personal_keys import personal_key_for
from triage_app.store.post_detail import post_detail
store = open_store(url)
personal_key_for(store)  # made or unlocked before the first key, as the window does on opening
post = claim_next(store)  # the post the window shows first
if post is not None:
    post_detail(store, post, explain=False, account_counts=False)  # shown, as the preview reads it
print("ready", flush=True)  # the window is open: wait for the others' to be
go = sys.argv[6]
while not os.path.exists(go):
    time.sleep(0.01)
steps, tagged = [], []
if not fixed and think > 0:
    time.sleep(rng.uniform(0, think))  # people do not start in step
end = time.monotonic() + seconds
first = True
while post is not None and time.monotonic() < end:
    if not first:
        post_detail(store, post, explain=False, account_counts=False)
    first = False
    time.sleep(pause())  # the analyst reads the post before the key
    start = time.perf_counter()
    apply_tags(store, [post], add=[sys.argv[3]])  # the key: the tag, committed...
    tagged.append(post)
    post = claim_next(store)  # ...and the next post claimed
    steps.append(time.perf_counter() - start)
store.close()
print(json.dumps({"person": os.environ["BENCH_PERSON"], "steps": steps, "tagged": tagged}))
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(
    analysts: int,
    seconds: float,
    posts: int,
    think: float = 0.0,
    fixed_think: bool = False,
    durable: bool = False,
) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from tests.store.keys_helpers import write_posts
    from tests.support.pg_server import running_server
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store import open_store
    from triage_app.store.users import add_user

    work = Path(tempfile.mkdtemp(prefix="bench-team-"))
    base_env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_DATA_DIR": str(work / "data"),
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(base_env)
    os.environ["TRIAGE_TEST_KEYRING_FILE"] = str(work / "owner-keyring.json")
    with running_server() as server:
        url = server.fresh_database()
        owner = open_store(url, create=True)
        import_paths(owner, [write_posts(work / "posts.jsonl", posts)])
        if durable:  # every COMMIT waits for the server's log on disk, as on a team's server
            owner.close()
            sys.path.insert(0, str(ROOT / "tests" / "perf"))
            from bench_pg_import import restart_server

            restart_server(server, "32MB", durable=True)
            owner = open_store(url)
        people = [f"analyst{n:02d}_{os.getpid()}" for n in range(analysts)]
        for person in people:
            add_user(owner, person, "analyst")  # the server login and its group role
        owner.close()
        children = []
        go = work / "go"
        for person in people:
            env = {
                **base_env,
                "BENCH_PERSON": person,
                "TRIAGE_TEST_KEYRING_FILE": str(work / f"{person}-keyring.json"),
            }
            address = url.replace(f"user={server.superuser}", f"user={person}")
            children.append(
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, address, str(seconds), TAG, str(think)]
                    + ["fixed" if fixed_think else "exponential", str(go)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                    cwd=ROOT,
                )
            )
        started = time.monotonic()
        for child in children:  # every window open (or its process ended) before any key
            assert child.stdout is not None
            child.stdout.readline()
        opening_seconds = time.monotonic() - started
        load_before = os.getloadavg()[0]
        go.touch()
        results, failures = [], []
        for child in children:
            out, err = child.communicate(timeout=seconds + 300)
            if child.returncode != 0:
                failures.append(err.strip().splitlines()[-1] if err.strip() else "no output")
            else:
                results.append(json.loads(out.strip().splitlines()[-1]))
        load_after = os.getloadavg()[0]
        check = open_store(url)
        twice = int(
            check.scalar(
                "SELECT count(*) FROM (SELECT post_id FROM decisions WHERE kind = 'tag' "
                "GROUP BY post_id HAVING count(DISTINCT actor) > 1) AS t"
            )
        )
        stored = {
            (str(a), int(p))
            for a, p in check.execute("SELECT actor, post_id FROM decisions WHERE kind = 'tag'")
        }
        check.close()
    acknowledged = {(r["person"], int(p)) for r in results for p in r["tagged"]}
    steps = [s * 1000 for r in results for s in r["steps"]]
    later = [s * 1000 for r in results for s in r["steps"][1:]]
    firsts = [r["steps"][0] * 1000 for r in results if r["steps"]]
    return {
        "analysts": analysts,
        "seconds": seconds,
        "posts": posts,
        "think_seconds": think,
        "think": "fixed" if fixed_think else "exponential",
        "server_syncs_commits": durable,
        "failed_analysts": failures,
        "tags_committed": len(acknowledged),
        "posts_claimed_twice": twice,
        "decisions_lost": len(acknowledged - stored),
        "key_to_committed_ms_p50": round(statistics.median(steps), 1) if steps else None,
        "key_to_committed_ms_p99": round(_percentile(steps, 0.99), 1) if steps else None,
        "after_first_key_ms_p99": round(_percentile(later, 0.99), 1) if later else None,
        "first_key_ms_median_max": [round(statistics.median(firsts), 1), round(max(firsts), 1)]
        if firsts
        else None,
        "load_average_before_after": [round(load_before, 2), round(load_after, 2)],
        "opening_seconds": round(opening_seconds, 1),
        "cores": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds each analyst waits between keys, exponentially distributed "
        "(0: flat out, the harshest case)",
    )
    parser.add_argument(
        "--fixed-think",
        action="store_true",
        help="wait exactly --think between keys (the analysts then press in step)",
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="the server syncs its commits (fsync and synchronous_commit on, as a team's "
        "server runs) for the analysts' keys; the tests' settings (off) otherwise",
    )
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    figures = run(
        args.analysts, args.seconds, args.posts, args.think, args.fixed_think, args.durable
    )
    rows = [
        ("tags committed", figures["tags_committed"], "-"),
        ("posts claimed twice", figures["posts_claimed_twice"], "0"),
        ("decisions lost", figures["decisions_lost"], "0"),
        ("key -> committed p50 (ms)", figures["key_to_committed_ms_p50"], "-"),
        ("key -> committed p99 (ms)", figures["key_to_committed_ms_p99"], "<= 20, quiet machine"),
        ("  without first keys, p99 (ms)", figures["after_first_key_ms_p99"], "-"),
        ("  first keys, median/max (ms)", figures["first_key_ms_median_max"], "-"),
        ("load average before/after", figures["load_average_before_after"], "-"),
        ("all windows open after (s)", figures["opening_seconds"], "-"),
    ]
    print(
        f"{figures['analysts']} analysts, {figures['seconds']:.0f} s, {figures['posts']} posts, "
        f"{figures['think_seconds']} s between keys ({figures['think']})"
    )
    for name, value, target in rows:
        print(f"  {name:30} {value!s:>16}   target {target}")
    if figures["failed_analysts"]:
        print("  analysts that failed:", *figures["failed_analysts"], sep="\n    ")
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if not figures["failed_analysts"] else 1


if __name__ == "__main__":
    sys.exit(main())
