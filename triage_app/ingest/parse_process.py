"""A big file is read in a second process while this one writes: the reading process parses
the records, checks them and prepares each post's row values (ingest/prepared.py); the
importing process only binds them to SQL in the file's one transaction.

Why a process and not the reading thread of ingest/prefetch.py: parsing, checking and
preparing a post is pure Python (about half of an import's time), and a thread shares the
interpreter lock with the writer, so the two took turns instead of overlapping
(docs/bench-import-profile.md). Only files of at least PROCESS_MIN_BYTES go this way: starting
the process costs a fraction of a second.

What stays the same: records arrive in order; what the reader learns about the file (where
every line went, the notes, the counts of posts, skipped and quarantined records) comes back
at the end; an exception in the reader is raised here at the point it happened, so a
malformed file is refused as before. Memory stays bounded: the pipe holds at most one chunk
of CHUNK records in flight and the reader blocks until it is taken. The reader is a fresh
interpreter (``python -m triage_app.ingest.parse_process``: no copy of a windowed parent's
threads, and unlike multiprocessing's "spawn" it does not run the parent's main script again)
that gets its instructions on stdin and answers with pickled messages on stdout; it ends when
the import ends, is cancelled or fails, and if this process is killed its next write fails and
it exits."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from ..core.errors import UnreadableFileError
from ..core.records import PostRecord
from .base import ReadContext

PROCESS_MIN_BYTES = 16 * 2**20
CHUNK = 1000

Spec = tuple[str, str, str, str | None, int, str | None, str | None, bool]


def use_process(size: int) -> bool:
    """Big files, where the interpreter is a plain Python that can run ``-m`` (not a frozen
    bundle, whose executable is the application itself)."""
    return size >= PROCESS_MIN_BYTES and not getattr(sys, "frozen", False)


def read_in_process(
    fmt: str, ctx: ReadContext, count: Any, keyed: bool = False
) -> Iterator[Any]:
    """The records of ``ctx.path`` as the importer ``fmt`` reads them, checked and counted
    (pipeline._accounted, into ``count``), each post already prepared (a tuple; ``keyed``:
    by prepared.prepare_keyed, for a team server)."""
    spec: Spec = (
        str(ctx.path),
        fmt,
        str(ctx.base_dir),
        str(ctx.root) if ctx.root is not None else None,
        ctx.media_limit,
        ctx.timezone,
        ctx.date_order,
        keyed,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    _widen(proc.stdout)
    try:
        pickle.dump(spec, proc.stdin)
        proc.stdin.close()
        while True:
            try:
                message = pickle.load(proc.stdout)
            except (EOFError, pickle.UnpicklingError):
                raise UnreadableFileError(
                    f"{ctx.path}: the reading process stopped unexpectedly"
                ) from None
            kind = message[0]
            if kind == "items":
                ctx.report_bytes(message[1])
                yield from message[2]
            elif kind == "end":
                _, lines, notes, posts, skipped, quarantined, reasons = message
                ctx.lines, ctx.tally = lines, None
                ctx.notes.extend(notes)
                count.posts, count.skipped, count.quarantined = posts, skipped, quarantined
                count.reasons.update(reasons)
                return
            else:
                raise message[1]
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


PIPE_BYTES = 1 << 20  # /proc/sys/fs/pipe-max-size, the most an unprivileged process may ask


def _widen(pipe: IO[bytes]) -> None:
    """A pipe of 1 MB instead of 64 KB (Linux), so a couple of chunks wait for the writer and
    a slow moment on either side does not stall the other (200k posts: 8–9 s instead of
    10–11.5 s, same minutes). Best effort: elsewhere the pipe stays as it is."""
    if fcntl is None:
        return
    try:
        fcntl.fcntl(pipe.fileno(), 1031, PIPE_BYTES)  # F_SETPIPE_SZ
    except (OSError, ValueError):
        pass


def _reader(spec: Spec, out: IO[bytes]) -> None:
    """The reading process: read, check, prepare, send chunk by chunk."""
    from .pipeline import _accounted, _ItemCount
    from .prepared import prepare, prepare_keyed
    from .registry import detect_format

    path, fmt, base_dir, root, media_limit, timezone, date_order, keyed = spec
    prepared = prepare_keyed if keyed else prepare
    offset = [0]

    def report(n: int) -> None:
        offset[0] = n

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    chunk: list[Any] = []
    try:
        ctx = ReadContext(
            path=Path(path),
            base_dir=Path(base_dir),
            report_bytes=report,
            root=Path(root) if root is not None else None,
            media_limit=media_limit,
            timezone=timezone,
            date_order=date_order,
        )
        importer = detect_format(ctx.path, fmt)
        count = _ItemCount()
        for item in _accounted(importer.read(ctx.path, ctx), ctx, count):
            chunk.append(prepared(item) if isinstance(item, PostRecord) else item)
            if len(chunk) >= CHUNK:
                send(("items", offset[0], chunk))
                chunk = []
        if chunk:
            send(("items", offset[0], chunk))
            chunk = []
        send(
            (
                "end",
                ctx.lines,
                ctx.notes,
                count.posts,
                count.skipped,
                count.quarantined,
                count.reasons,
            )
        )
    except (BrokenPipeError, ConnectionError):
        return  # the importing side is gone (finished early, cancelled or killed)
    except BaseException as exc:  # raised again on the importing side
        try:
            if chunk:
                send(("items", offset[0], chunk))
            send(("error", _portable(exc)))
        except OSError:
            return


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ValueError that names it (a malformed record)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return ValueError(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    _reader(pickle.load(sys.stdin.buffer), sys.stdout.buffer)
