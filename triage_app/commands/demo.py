"""`triage demo`: fill the store with the synthetic demo corpus (through the real importer)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from ..ingest.pipeline import CancelCheck, FileSummary, ProgressCallback
from ..store.connection import Store
from .context import CommandContext, ProgressLine
from .numbers import number


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="fill the store with a realistic synthetic demo corpus")
    p.add_argument(
        "--posts",
        type=number("--posts", minimum=1, maximum=20_000_000),
        default=5000,
        help="how many posts (default 5000)",
    )
    p.add_argument(
        "--seed", type=number("--seed"), default=1, help="random seed (same seed, same corpus)"
    )
    p.add_argument("--keep-jsonl", metavar="FILE", help="also keep the generated JSONL here")
    p.add_argument(
        "--history",
        action="store_true",
        help="also seed two years of referrals and outcomes (for statistics)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def make_demo_store(
    store: Store,
    posts: int = 5000,
    seed: int = 1,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    keep_jsonl: Path | None = None,
) -> FileSummary:
    """Generate the corpus (with a few media files) and import it like any export.

    The generated file lives in scratch that is removed afterwards, so its posts' source says
    "demo data" (or names the --keep-jsonl copy), never a folder that no longer exists."""
    from ..core.demo import write_demo_jsonl
    from ..core.scratch import make_scratch
    from ..core.workflow import require_role
    from ..ingest.pipeline import import_file, run_enrichment
    from ..ingest.walk import ImportUnit

    require_role(store.user, store.role_of(), "import")

    # Owner-only scratch beside the store, removed at the next start if this is killed.
    work = make_scratch(store.path.parent, "demo")
    try:
        jsonl = work / f"demo-{posts}-seed{seed}.jsonl"
        write_demo_jsonl(jsonl, posts, seed, media_dir=work / "media")
        label = f"demo data ({posts:,} generated posts, seed {seed})"
        if keep_jsonl:
            shutil.copyfile(jsonl, keep_jsonl)
            label = f"{Path(keep_jsonl).resolve()} ({label})"
        unit = ImportUnit(jsonl, work, label, root=work)
        summary = import_file(store, unit, "jsonl", progress, cancelled)
        if summary.inserted:
            run_enrichment(store, cancelled)
        return summary
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..core.errors import UsageError

    if args.posts < 1 or args.posts > 20_000_000:
        raise UsageError("--posts must be between 1 and 20,000,000")
    store = ctx.store(create=True)
    line = ProgressLine()

    def show(p: Any) -> None:
        line.update(f"importing {p.records:,} posts ({p.rate:,.0f}/s)")

    summary = make_demo_store(
        store,
        args.posts,
        args.seed,
        progress=None if args.json else show,
        keep_jsonl=Path(args.keep_jsonl) if args.keep_jsonl else None,
    )
    line.finish()
    if summary.error:
        from ..core.errors import TriageError

        raise TriageError(summary.error)
    if args.history:
        from ..store.demo_history import seed_history

        seed_history(store, seed=args.seed)
    if args.json:
        ctx.print_json(summary.as_dict())
    else:
        ctx.print(
            f"demo corpus: inserted {summary.inserted}, already present {summary.present} "
            f"into {store.path}"
        )
    return 0
