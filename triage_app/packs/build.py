"""Building a referral pack (DESIGN.md, "Referral pack v1"): ZIP the evidence, encrypt it with
age, sign it with minisign, put both files in place atomically, then record the referral.

The ZIP never touches the disk in plain text: it is written into a pipe that a second thread
encrypts straight into a temporary file beside the destination. Only when the encrypted pack
and its signature are complete are they given their final names, and only then is the referral
recorded. Any failure or a cancel removes every temporary file and changes nothing in the store."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..core.errors import TriageError
from ..core.fileio import fsync_dir
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from ..store.checkpoints import Checkpoint, checkpoint_after, sign_checkpoint
from ..store.connection import Store
from ..store.evidence_crypto import evidence_key
from ..store.four_eyes import self_approval_notes
from ..store.personal_keys import personal_key_for
from ..store.referrals import (
    ReferralRecord,
    check_approvals,
    record_referral,
    resolve_recipients,
)
from ..store.replay import refuse_unreplayed
from . import crypto, signing
from .contents import (
    MediaItem,
    PackSelection,
    PostItem,
    iter_posts,
    key_frames,
    select_contents,
)
from .custody import write_custody
from .html import PackHeader, render_referral_html
from .networks import distinct, pack_networks
from .platforms import platform_info
from .tables import write_accounts_csv, write_manifest, write_posts_csv, write_posts_jsonl
from .work_folder import make_work_folder, remove_stale_work_folders
from .zipstream import PackZipWriter

PIPE_BUFFER = 1024 * 1024
KEEP_POSTS = 20_000  # posts kept in memory between passes (about 1.5 KB each)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class PackCancelled(TriageError):
    """The person cancelled the export; nothing was written or recorded."""

    def __init__(self) -> None:
        super().__init__("Export cancelled; no pack was written and nothing was recorded")


@dataclass(frozen=True)
class PackResult:
    pack_path: Path
    signature_path: Path
    pack_id: str
    referral_uuid: str
    platform: str
    posts: int
    accounts: int
    media_files: int
    size: int
    sha256: str
    signer_key_id: str
    protection: str
    recipients: tuple[str, ...]


def signature_path_for(pack_path: Path) -> Path:
    return pack_path.with_name(pack_path.name + signing.SIGNATURE_SUFFIX)


def build_referral_pack(
    store: Store,
    platform: str,
    out_path: Path | str,
    recipients: Sequence[str] | None = None,
    passphrase: str | None = None,
    post_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PackResult:
    """Build, encrypt, sign and record one referral pack; see the module docstring."""
    require_role(store.user, store.role_of(), "build_pack")
    report = progress or (lambda stage, done, total: None)
    is_cancelled = cancelled or (lambda: False)
    out_path = Path(out_path)
    if bool(recipients) == (passphrase is not None):
        raise TriageError("Choose either recipients from the address book or a passphrase")
    keys = resolve_recipients(store, recipients) if recipients else []
    if passphrase is not None:
        crypto.check_new_passphrase(passphrase)
    signature_path = signature_path_for(out_path)
    _check_destination(out_path, signature_path)
    store_id = store.store_id
    signer = signing.signing_key(store)  # fails early when there is no keyring
    signer_key_id = signing.key_id_hex(signing.minisign.PublicKey.from_secret_key(signer))
    report("Selecting posts", 0, 1)
    selection = select_contents(store, platform, post_ids)
    check_approvals(store, selection.post_ids)  # every approval signed by a supervisor
    personal_key_for(store)  # the referral is signed by its builder: fail before the work
    # A status or tag set outside the program (no decision behind it) never leaves the store.
    refuse_unreplayed(store, selection.post_ids)
    # The pack carries a signed checkpoint of the audit chain it was built from.
    anchor = sign_checkpoint(store, "pack build")
    pack_id = str(uuidlib.uuid4())
    header = PackHeader(pack_id, utc_now_iso(), store.user, store_id)
    remove_stale_work_folders(out_path.parent)
    work = make_work_folder(out_path)
    try:
        sealed = work / "pack.age"
        encrypted, media_files, audit_head = _zip_and_encrypt(
            store, selection, header, sealed, keys, passphrase, report, is_cancelled, anchor
        )
        if is_cancelled():
            raise PackCancelled()
        report("Signing", 0, 1)
        comment = signing.now_comment(
            file=out_path.name, pack=pack_id, platform=platform, sha256=encrypted.sha256
        )
        signing.sign_digest(store, encrypted.blake2b, work / "pack.age.minisig", comment)
        if is_cancelled():
            raise PackCancelled()
        report("Recording the referral", 0, 1)
        _place(sealed, out_path)
        try:
            _place(work / "pack.age.minisig", signature_path)
            fsync_dir(out_path.parent)
            record = ReferralRecord(
                platform=platform,
                recipients=keys or ["passphrase"],
                protection="recipients" if keys else "passphrase",
                pack_id=pack_id,
                pack_name=out_path.name,
                pack_sha256=encrypted.sha256,
                size=encrypted.size,
                signature_name=signature_path.name,
                signer_key_id=signer_key_id,
                audit_head=audit_head,
                items=[(pid, _account_of(selection, pid)) for pid in selection.post_ids],
            )
            referral_uuid = record_referral(store, record)
        except BaseException:
            for path in (out_path, signature_path):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
            raise
    except OSError as exc:  # the destination's disk: full, read-only, removed
        raise TriageError(
            f"Cannot write the pack in {out_path.parent}: {exc.strerror or exc}"
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checkpoint_after(store, "pack build")  # the chain with the referral recorded
    report("Done", 1, 1)
    return PackResult(
        pack_path=out_path,
        signature_path=signature_path,
        pack_id=pack_id,
        referral_uuid=referral_uuid,
        platform=platform,
        posts=len(selection.post_ids),
        accounts=selection.account_count,
        media_files=media_files,
        size=encrypted.size,
        sha256=encrypted.sha256,
        signer_key_id=signer_key_id,
        protection="recipients" if keys else "passphrase",
        recipients=tuple(keys),
    )


def _account_of(selection: PackSelection, post_id: int) -> int | None:
    return selection.account_by_post[post_id]


def _check_destination(out_path: Path, signature_path: Path) -> None:
    parent = out_path.parent
    if not parent.is_dir():
        raise TriageError(f"Folder {parent} does not exist")
    for path in (out_path, signature_path):
        if path.exists():
            raise TriageError(f"{path} already exists; choose another name")
    if not os.access(parent, os.W_OK):
        raise TriageError(f"The folder {parent} is read-only")


def _place(temporary: Path, final: Path) -> None:
    """Give a finished file its final name without ever replacing an existing file."""
    try:
        os.link(temporary, final)
    except FileExistsError as exc:
        raise TriageError(f"{final} already exists; choose another name") from exc
    except OSError:
        # File systems without hard links (FAT USB sticks): check, then rename.
        if final.exists():
            raise TriageError(f"{final} already exists; choose another name") from None
        os.replace(temporary, final)


class _Encryptor(threading.Thread):
    """Reads the plain ZIP from a pipe and writes the age file (the only other thread)."""

    def __init__(
        self, read_end: IO[bytes], target: Path, keys: list[str], passphrase: str | None
    ) -> None:
        super().__init__(name="pack-encryptor", daemon=True)
        self.read_end = read_end
        self.target = target
        self.keys = keys
        self.passphrase = passphrase
        self.result: crypto.Encrypted | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = crypto.encrypt_stream(
                self.read_end,
                self.target,
                recipients=self.keys or None,
                passphrase=self.passphrase,
                folder_shown=self.target.parent.parent,  # the destination, not the work folder
            )
        except BaseException as exc:  # handed to the building thread
            self.error = exc
        finally:
            self.read_end.close()


def _zip_and_encrypt(
    store: Store,
    selection: PackSelection,
    header: PackHeader,
    target: Path,
    keys: list[str],
    passphrase: str | None,
    report: Progress,
    cancelled: Callable[[], bool],
    anchor: Checkpoint,
) -> tuple[crypto.Encrypted, int, str]:
    read_fd, write_fd = os.pipe()
    read_end = os.fdopen(read_fd, "rb", buffering=PIPE_BUFFER)
    write_end = os.fdopen(write_fd, "wb", buffering=PIPE_BUFFER)
    encryptor = _Encryptor(read_end, target, keys, passphrase)
    encryptor.start()
    failure: BaseException | None = None
    media_files = 0
    audit_head = ""
    try:
        with PackZipWriter(write_end) as pack:
            media_files, audit_head = _write_entries(
                pack, store, selection, header, report, cancelled, anchor
            )
    except BrokenPipeError:
        failure = None  # the encryptor stopped; its own error is the one to report
    except BaseException as exc:
        failure = exc
    finally:
        try:
            write_end.close()
        except OSError:
            pass
        encryptor.join()
    if failure is not None:
        raise failure
    if encryptor.error is not None:
        if isinstance(encryptor.error, TriageError):
            raise encryptor.error
        raise TriageError(
            f"Writing the pack failed: {_describe(encryptor.error)}"
        ) from encryptor.error
    assert encryptor.result is not None
    return encryptor.result, media_files, audit_head


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _add_key_frames(pack: PackZipWriter, store: Store, media: MediaItem) -> None:
    """A video's key frames (store/video.py) beside it, each checked against the hash taken
    when it was made, and their index; all listed in the manifest and SHA256SUMS."""
    frames, index = key_frames(store, media)
    for frame in frames:
        if hashlib.sha256(frame.jpeg).hexdigest() != frame.sha256:
            raise TriageError(
                f"A key frame of {media.name or media.entry} no longer matches its hash; "
                "run `triage db check`"
            )
        pack.add_bytes(frame.entry, frame.jpeg)
    if index is not None:
        pack.add_bytes(f"{media.entry}.keyframes/keyframes.json", index)


def _write_entries(
    pack: PackZipWriter,
    store: Store,
    selection: PackSelection,
    header: PackHeader,
    report: Progress,
    cancelled: Callable[[], bool],
    anchor: Checkpoint,
) -> tuple[int, str]:
    """Every file of the pack, in order; manifest.json and SHA256SUMS last."""
    total = len(selection.post_ids)
    taxonomy = store.taxonomy
    uuids: dict[int, str] = {}
    manifest_posts: list[tuple[Any, ...]] = []
    media_files = 0
    # The tables and the summary read the posts three more times: keep them (without their
    # raw records) when there are few enough, else read them from the store again each time.
    kept: list[PostItem] | None = [] if total <= KEEP_POSTS else None

    def posts_again() -> Iterator[PostItem]:
        return iter(kept) if kept is not None else iter_posts(store, selection, with_raw=False)

    # Each account's network as it stands now (before this referral is recorded), read while
    # little else is held: the link graph it walks is freed before the per-post lists grow.
    networks = pack_networks(store, selection.accounts)
    media_key = evidence_key(store)  # the media are decrypted only into the ZIP stream
    for done, post in enumerate(iter_posts(store, selection), start=1):
        if cancelled():
            raise PackCancelled()
        if kept is not None:
            kept.append(dataclasses.replace(post, raw=post.raw[:1] if post.raw else post.raw))
        uuids[post.id] = post.uuid
        raw_entry = post.raw_entry
        if raw_entry and post.raw is not None:
            pack.add_bytes(raw_entry, post.raw.encode("utf-8"))
        for media in post.media:
            if media.entry and media.path is not None:
                label = f"{media.path} (post {post.platform_post_id})"
                pack.add_file(media.entry, media.path, media.sha256, label, key=media_key)
                media_files += 1
                if media.kind == "video" or (media.mime or "").startswith("video/"):
                    _add_key_frames(pack, store, media)
        account = selection.accounts[post.account_id]
        manifest_posts.append(
            (
                post.uuid,
                post.platform_post_id,
                account.platform_account_id,
                post.url,
                post.tags,  # its folder is made again from the ids (a string less per post)
            )
        )
        if done % 200 == 0 or done == total:
            report("Adding evidence", done, total)
    report("Writing tables", 0, total)
    with pack.open_text("posts.jsonl") as out:
        write_posts_jsonl(out, posts_again(), selection)
    if cancelled():
        raise PackCancelled()
    with pack.open_text("posts.csv") as out:
        write_posts_csv(out, posts_again(), selection)
    with pack.open_text("accounts.csv") as out:
        write_accounts_csv(out, selection, networks)
    report("Writing the summary", 0, total)
    with pack.open_text("referral.html") as out:
        render_referral_html(
            out,
            platform_info(selection.platform),
            selection,
            header,
            iter_posts(store, selection, with_raw=False),
            taxonomy,
            self_approved=self_approval_notes(store, selection.post_ids),
            networks=networks,
        )
    for network in distinct(networks):  # the network pictures, one file each
        pack.add_bytes(network.picture, network.svg().encode("utf-8"))
    if cancelled():
        raise PackCancelled()
    report("Writing the chain of custody", 0, total)
    with pack.open_text("custody.jsonl") as out:
        audit_head = write_custody(out, store, selection.post_ids, uuids, cancelled)
    if cancelled():
        raise PackCancelled()
    checkpoint = anchor.to_json()
    pack.add_bytes("checkpoint.json", (json.dumps(checkpoint, indent=2) + "\n").encode("utf-8"))
    with pack.open_text("manifest.json") as out:
        write_manifest(
            out,
            pack.entries,
            selection,
            header,
            manifest_posts,
            media_files,
            audit_head,
            checkpoint=checkpoint,
            networks=networks,
        )
    # The last and largest moment of the build (issue 17: 312 MB for 100,000 posts from the
    # 10M store): the per-post lists are done with, and SHA256SUMS (a line per file) is
    # streamed rather than joined, encoded and copied whole.
    del manifest_posts, uuids, networks
    with pack.open_text("SHA256SUMS") as out:
        for e in pack.entries:
            out.write(f"{e.sha256}  {e.name}\n")
    report("Encrypting", total, total)
    return media_files, audit_head
