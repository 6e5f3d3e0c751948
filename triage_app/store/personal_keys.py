"""Personal signing keys: every decision carries its author's Ed25519 signature.

Each person (the OS login) has one Ed25519 key of their own, for every store they work in:

* **OS keyring (default).** The 32-byte private seed, base64, under the service
  ``triage-workstation`` and the user name ``personal-key:<login>``.
* **Passphrase.** Where no keyring works, the seed is wrapped with the person's own passphrase
  (Argon2id + AES-256-GCM, keywrap.py) in ``personal-key-<login>.json`` in their own profile
  folder (platformdirs' user config folder, 0700; the file 0600) - never in the data folder
  and never in a store. The passphrase comes from ``--key-passphrase-file`` /
  ``TRIAGE_KEY_PASSPHRASE_FILE``, and otherwise from the store's ``--passphrase-file`` /
  ``TRIAGE_PASSPHRASE_FILE`` (one passphrase for both is the common case).

Only public keys enter a store: ``users.public_key`` as ``ed25519:<base64 of 32 raw bytes>``,
registered by a supervisor, whose signature over the registration is kept beside it. A decision's
signature covers :func:`decision_message`, which names the post by platform and platform id (not
the local row id), so it stays valid in every store the decision is synced to."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import os
import stat
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..core.errors import TriageError, UsageError, WrongKeyError
from .keys import SERVICE, KeyringUnavailable, atomic_write
from .keys import _backend as _keyring_backend
from .keywrap import unwrap_key, wrap_key

if TYPE_CHECKING:
    from .connection import Store

log = logging.getLogger("triage.keys")

APP_NAME = "triage-workstation"
PUBLIC_PREFIX = "ed25519:"
DECISION_FORMAT = "triage-decision-signature:v1"
REGISTRATION_FORMAT = "triage-user-key:v1"
REFERRAL_FORMAT = "triage-referral-signature:v1"
OUTCOME_FORMAT = "triage-outcome-signature:v1"
BLIND_SAMPLE_FORMAT = "triage-blind-sample-signature:v1"
BLIND_ANSWER_FORMAT = "triage-blind-answer-signature:v1"


class PersonalKeyUnavailable(TriageError):
    """The current person's signing key can be neither found nor made here."""


# -- the key ----------------------------------------------------------------------------------


@dataclass
class PersonalKey:
    """A person's Ed25519 key pair (the private half stays in memory only)."""

    login: str
    private: Ed25519PrivateKey
    source: str  # "keyring" | "passphrase" | "generated" (demo people, never stored)

    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def public_text(self) -> str:
        return PUBLIC_PREFIX + base64.b64encode(self.public_raw()).decode("ascii")

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")

    def __repr__(self) -> str:  # never print the private key
        return f"PersonalKey({self.login!r}, {self.public_text()!r}, source={self.source!r})"


def generate_key(login: str) -> PersonalKey:
    """A fresh key held only in memory (the demo's fictional people)."""
    return PersonalKey(login, Ed25519PrivateKey.generate(), "generated")


def _seed(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def parse_public_key(text: str) -> bytes:
    """The 32 raw bytes of a public key in text form; UsageError for anything else."""
    value = text.strip()
    if not value.startswith(PUBLIC_PREFIX):
        raise UsageError(
            f"A personal public key looks like '{PUBLIC_PREFIX}<base64>' (from 'triage keys "
            "export-personal')"
        )
    try:
        raw = base64.b64decode(value[len(PUBLIC_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UsageError("The personal public key is not valid base64") from exc
    if len(raw) != 32:
        raise UsageError("A personal public key is 32 bytes")
    return raw


def canonical_public_key(text: str) -> str:
    return PUBLIC_PREFIX + base64.b64encode(parse_public_key(text)).decode("ascii")


# Digests of (key, message, signature) triples already verified in this process: a pack checks
# every approval before it builds and again when it records the referral, and Ed25519 verifying
# was most of a 10,000-post pack's time. Only good signatures are kept; the set is emptied when
# full, so memory stays bounded (~100 MB at most; 10 MB for a 100,000-post pack).
_VERIFIED: set[bytes] = set()
_VERIFIED_MAX = 1_000_000


def verify_signature(public_text: str | None, message: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (base64) is ``public_text``'s signature of ``message``."""
    if not public_text or not signature:
        return False
    # Base64 key and signature hold no NUL, so the three parts cannot run into one another.
    seen = hashlib.blake2b(
        b"\0".join((public_text.encode(), message, signature.encode())), digest_size=32
    ).digest()
    if seen in _VERIFIED:
        return True
    try:
        sig = base64.b64decode(signature, validate=True)
        _public_key_object(public_text).verify(sig, message)
    except (UsageError, binascii.Error, ValueError, InvalidSignature):
        return False
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED.add(seen)
    return True


@functools.lru_cache(maxsize=256)
def _public_key_object(public_text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(parse_public_key(public_text))


# -- canonical messages -----------------------------------------------------------------------


def _canonical(values: list[Any]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decision_message(
    uuid: str,
    platform: str,
    platform_post_id: str,
    kind: str,
    tag: str | None,
    note: str | None,
    actor: str,
    at: str,
    batch: str | None,
    undoes: str | None,
) -> bytes:
    """The bytes a decision's signature covers (store-independent, so it survives sync)."""
    return _canonical(
        [
            DECISION_FORMAT,
            uuid,
            platform,
            str(platform_post_id),
            kind,
            tag,
            note,
            actor,
            at,
            batch,
            undoes,
        ]
    )


def registration_message(
    store_id: str, name: str, role: str, public_key: str, signed_by: str, signed_at: str
) -> bytes:
    """What a supervisor signs when registering ``name``'s key and role in a store."""
    return _canonical([REGISTRATION_FORMAT, store_id, name, role, public_key, signed_by, signed_at])


def referral_message(
    uuid: str,
    platform: str,
    pack_sha256: str,
    pack_name: str,
    created_by: str,
    created_at: str,
    posts: list[tuple[str, str]],
) -> bytes:
    """What the builder of a referral signs: the pack's hash and the (platform, id) of each post."""
    return _canonical(
        [
            REFERRAL_FORMAT,
            uuid,
            platform,
            pack_sha256,
            pack_name,
            created_by,
            created_at,
            sorted([list(p) for p in posts]),
        ]
    )


def outcome_message(
    uuid: str,
    platform: str,
    platform_account_id: str,
    outcome: str,
    on_date: str,
    actor: str,
    at: str,
    note: str | None,
) -> bytes:
    """What a supervisor signs when recording an outcome (the account by its natural key, so
    the signature survives sync)."""
    return _canonical(
        [
            OUTCOME_FORMAT,
            uuid,
            platform,
            str(platform_account_id),
            outcome,
            on_date,
            actor,
            at,
            note,
        ]
    )


def blind_sample_message(
    uuid: str,
    platform: str,
    platform_post_id: str,
    analyst: str,
    reviewer: str,
    first_tags: str,
    sampled_by: str,
    sampled_at: str,
) -> bytes:
    """What the sampling supervisor signs for one post of a blind review sample (``first_tags``
    as stored: the analyst's tags, JSON)."""
    return _canonical(
        [
            BLIND_SAMPLE_FORMAT,
            uuid,
            platform,
            str(platform_post_id),
            analyst,
            reviewer,
            first_tags,
            sampled_by,
            sampled_at,
        ]
    )


def blind_answer_message(
    uuid: str,
    platform: str,
    platform_post_id: str,
    reviewer: str,
    second_tags: str,
    reviewed_at: str,
) -> bytes:
    """What the second reviewer signs with their blind answer (``second_tags`` as stored)."""
    return _canonical(
        [
            BLIND_ANSWER_FORMAT,
            uuid,
            platform,
            str(platform_post_id),
            reviewer,
            second_tags,
            reviewed_at,
        ]
    )


# -- where the private key lives --------------------------------------------------------------


def keyring_name(login: str) -> str:
    return f"personal-key:{login}"


def profile_dir(*, create: bool = True) -> Path:
    """The person's own profile folder (platformdirs' user config folder), created 0700."""
    path = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    if not create:
        return path
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if stat.S_IMODE(path.stat().st_mode) != 0o700:
            os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def wrapped_key_path(login: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in login)
    return profile_dir(create=False) / f"personal-key-{safe}.json"


def _wrap_id(login: str) -> str:
    return keyring_name(login)  # bound into the AES-GCM additional data


def _from_seed(login: str, seed: bytes, source: str) -> PersonalKey:
    return PersonalKey(login, Ed25519PrivateKey.from_private_bytes(seed), source)


def _keyring_load(login: str) -> tuple[bytes | None, str | None]:
    """(seed or None, None) when a keyring works; (None, reason) when none does."""
    try:
        backend = _keyring_backend()
        text = backend.get_password(SERVICE, keyring_name(login))
    except KeyringUnavailable as exc:
        return None, exc.reason
    except Exception as exc:  # locked keyring, no D-Bus, backend errors of every kind
        return None, f"{type(exc).__name__}: {exc}"
    if text is None:
        return None, None
    try:
        seed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise TriageError(
            f"The OS keyring's entry {keyring_name(login)!r} is damaged; it is not a personal key"
        ) from None
    if len(seed) != 32:
        raise TriageError(f"The OS keyring's entry {keyring_name(login)!r} is damaged")
    return seed, None


def _keyring_store(login: str, seed: bytes) -> str | None:
    """None when the keyring now holds the seed, else why not."""
    try:
        backend = _keyring_backend()
        backend.set_password(SERVICE, keyring_name(login), base64.b64encode(seed).decode())
        kept = backend.get_password(SERVICE, keyring_name(login))
    except KeyringUnavailable as exc:
        return exc.reason
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    if kept != base64.b64encode(seed).decode():
        return "the keyring did not keep the key"
    return None


_UNWRAPPED: dict[tuple[str, str, int, int], bytes] = {}


def _read_wrapped(login: str, path: Path, passphrase: str | None) -> bytes:
    if not passphrase:
        raise PersonalKeyUnavailable(
            f"Your personal signing key ({path}) is protected by your passphrase; give it with "
            "--key-passphrase-file (or TRIAGE_KEY_PASSPHRASE_FILE)"
        )
    try:
        info = path.stat()
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TriageError(f"Your personal key file {path} cannot be read ({exc})") from exc
    memo = (str(path), passphrase, info.st_mtime_ns, info.st_size)
    if memo in _UNWRAPPED:
        return _UNWRAPPED[memo]
    if not isinstance(data, dict) or data.get("format") != "triage-personal-key":
        raise TriageError(f"{path} is not a personal key file")
    try:
        seed = unwrap_key(dict(data["wrapped"]), passphrase, _wrap_id(login))
    except WrongKeyError as exc:
        raise WrongKeyError(
            f"wrong passphrase for your personal signing key, or {path.name} is damaged"
        ) from exc
    except (KeyError, TypeError) as exc:
        raise TriageError(f"Your personal key file {path} is damaged") from exc
    _UNWRAPPED.clear()
    _UNWRAPPED[memo] = seed
    return seed


def _write_wrapped(login: str, path: Path, seed: bytes, passphrase: str) -> None:
    public = _from_seed(login, seed, "passphrase").public_text()
    document = {
        "format": "triage-personal-key",
        "version": 1,
        "login": login,
        "public_key": public,
        "wrapped": wrap_key(seed, passphrase, _wrap_id(login)),
    }
    atomic_write(path, json.dumps(document, indent=2) + "\n")
    os.chmod(path, 0o600)


def load_personal_key(
    login: str, passphrase: str | None = None, *, create: bool = True
) -> PersonalKey:
    """``login``'s key: from the OS keyring, else from the passphrase-wrapped file in their
    profile; made on first use (keyring first, else wrapped by ``passphrase``).

    With neither a keyring nor a passphrase, PersonalKeyUnavailable (one line saying what to do).
    """
    seed, keyring_reason = _keyring_load(login)
    if seed is not None:
        return _from_seed(login, seed, "keyring")
    path = wrapped_key_path(login)
    if path.exists():
        return _from_seed(login, _read_wrapped(login, path, passphrase), "passphrase")
    if not create:
        raise PersonalKeyUnavailable(f"{login} has no personal signing key on this machine yet")
    private = Ed25519PrivateKey.generate()
    seed = _seed(private)
    if keyring_reason is None:
        keyring_reason = _keyring_store(login, seed)
        if keyring_reason is None:
            log.info("made a personal signing key for %s in the OS keyring", login)
            return PersonalKey(login, private, "keyring")
    if not passphrase:
        raise PersonalKeyUnavailable(
            f"Your personal signing key needs the OS keyring or a passphrase: the keyring is not "
            f"available ({keyring_reason}); give a passphrase with --key-passphrase-file (or "
            "TRIAGE_KEY_PASSPHRASE_FILE)"
        )
    try:
        profile_dir()
        _write_wrapped(login, path, seed, passphrase)
    except OSError as exc:
        raise TriageError(
            f"Cannot keep your personal signing key in {path.parent}: {exc.strerror or exc}"
        ) from exc
    log.warning(
        "The OS keyring is not available (%s); your personal signing key is protected by your "
        "passphrase in %s",
        keyring_reason,
        path,
    )
    return PersonalKey(login, private, "passphrase")


# -- one key per open store -------------------------------------------------------------------

# By store file and person, so that a store reopened for a worker thread finds it too.
_PASSPHRASES: dict[tuple[str, str], str | None] = {}
_KEYS: weakref.WeakKeyDictionary[Any, PersonalKey] = weakref.WeakKeyDictionary()


def _where(store: Store) -> tuple[str, str]:
    return (str(Path(store.path).resolve()), store.user)


def set_key_passphrase(store: Store, passphrase: str | None) -> None:
    """The passphrase that unwraps (or wraps) the person's key when no keyring works."""
    _PASSPHRASES[_where(store)] = passphrase
    _KEYS.pop(store, None)


def key_passphrase(store: Store) -> str | None:
    return _PASSPHRASES.get(_where(store))


def personal_key_for(store: Store) -> PersonalKey:
    """The current person's key (``store.user``), loaded once per open store, made on first use."""
    key = _KEYS.get(store)
    if key is None or key.login != store.user:
        key = load_personal_key(store.user, key_passphrase(store))
        _KEYS[store] = key
        register_founder_key(store, key)  # a store made where no key was at hand
        pin_founder(store.conn)
    return key


def has_personal_key(store: Store) -> bool:
    """Whether the current person's key is loaded in this open store already."""
    key = _KEYS.get(store)
    return key is not None and key.login == store.user


def use_key(store: Store, key: PersonalKey) -> None:
    """Sign with ``key`` in this store (the demo's fictional people; tests)."""
    _KEYS[store] = key


# -- registered keys --------------------------------------------------------------------------


def registered_public_key(conn: Any, name: str) -> str | None:
    row = conn.execute("SELECT public_key FROM users WHERE name = ?", (name,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def sign_decision_with(
    key: PersonalKey,
    conn: Any,
    uuid: str,
    post_id: int,
    kind: str,
    tag: str | None,
    note: str | None,
    at: str,
    batch: str | None,
    undoes: str | None,
    identity: tuple[str, str] | None = None,
) -> str:
    """``key``'s signature of a decision by ``key.login`` about local post ``post_id`` (the
    current person's key in a store: :func:`personal_key_for`). ``identity``: the post's
    (platform, platform_post_id) when the caller already read them; None reads them here."""
    row = identity
    if row is None:
        row = conn.execute(
            "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
    if row is None:
        raise TriageError(f"No post with id {post_id} in this store")
    message = decision_message(uuid, row[0], row[1], kind, tag, note, key.login, at, batch, undoes)
    return key.sign(message)


# -- registering keys in a store --------------------------------------------------------------


# A field slice (`triage db copy` with a platform, dates or a cluster: store/copy_slice.py) is
# a store of its own, with its own id, but its people are its source's people: their key
# registrations stay signed over the source's store id, which the slice names here.
REGISTRATIONS_OF = "registrations_of"


def registration_store_id(conn: Any) -> str:
    """The store id that key registrations here are signed over: the store's own, or for a field
    slice the store it was sliced from (a slice of a slice: the first store's)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (REGISTRATIONS_OF,)).fetchone()
    if row is not None and row[0]:
        return str(row[0])
    return str(conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])


def founder(conn: Any) -> str | None:
    """The person who made the store: its first user (the root of every key registration)."""
    row = conn.execute("SELECT name FROM users ORDER BY rowid LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def write_registration(
    store: Store, conn: Any, name: str, role: str, public_key: str, signer: PersonalKey
) -> None:
    """Record ``name``'s key and role, signed by ``signer`` (inside the caller's transaction)."""
    from ..core.timeutil import utc_now_iso
    from .audit import append_audit

    at = utc_now_iso()
    store_id = registration_store_id(conn)
    signature = signer.sign(
        registration_message(store_id, name, role, public_key, signer.login, at)
    )
    conn.execute(
        "UPDATE users SET public_key = ?, key_signed_by = ?, key_signed_at = ?, "
        "key_signature = ? WHERE name = ?",
        (public_key, signer.login, at, signature, name),
    )
    append_audit(
        conn,
        signer.login,
        "user_key",
        "user",
        name,
        {"role": role, "public_key": public_key},
        at=at,
    )


def register_founder_key(store: Store, key: PersonalKey) -> bool:
    """The store's maker registers their own key (the first supervisor; self-signed root).

    Does nothing (False) unless ``key`` belongs to the founder and no key is registered yet."""
    conn = store.conn
    if key.login != founder(conn) or registered_public_key(conn, key.login) is not None:
        return False
    role = conn.execute("SELECT role FROM users WHERE name = ?", (key.login,)).fetchone()[0]
    if conn.in_transaction:
        write_registration(store, conn, key.login, role, key.public_text(), key)
    else:
        with store.transaction() as tx:
            write_registration(store, tx, key.login, role, key.public_text(), key)
    return True


def register_own_key_on_creation(store: Store, *, quiet: bool = False) -> None:
    """At store creation: register the maker's key when it is at hand (keyring or passphrase).

    Without either, the store is still made (imports and reading need no key); the key is
    registered when the founder first signs something."""
    try:
        key = personal_key_for(store)
    except PersonalKeyUnavailable as exc:
        (log.debug if quiet else log.warning)("%s", exc)
        return
    register_founder_key(store, key)


def existing_key_for(store: Store) -> PersonalKey | None:
    """The current person's key when it exists and opens here without asking; else None."""
    key = _KEYS.get(store)
    if key is not None and key.login == store.user:
        return key
    try:
        key = load_personal_key(store.user, key_passphrase(store), create=False)
    except TriageError:
        return None
    _KEYS[store] = key
    return key


# -- the store's founder, remembered in each person's profile ---------------------------------

PINS_FILE = "store-founders.json"


def _read_pins() -> dict[str, Any]:
    try:
        data = json.loads((profile_dir(create=False) / PINS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pinned_founder(store_id: str) -> tuple[str, str] | None:
    """(founder, public key) as this person first saw them in store ``store_id``, if ever."""
    entry = _read_pins().get(store_id)
    if isinstance(entry, dict) and entry.get("founder") and entry.get("public_key"):
        return str(entry["founder"]), str(entry["public_key"])
    return None


def pin_founder(conn: Any) -> None:
    """Remember the store's founder and their key in the person's profile the first time they
    work in the store (trust on first use), so that registrations rewritten from a new root
    later are noticed by `audit verify`. Best effort: an unwritable profile is not an error.
    Kept by the store id the registrations are signed over (a field slice shares its source's
    founder and registrations: ``registration_store_id``)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    name = founder(conn)
    if row is None or name is None:
        return
    public = registered_public_key(conn, name)
    store_id = registration_store_id(conn)
    if public is None or pinned_founder(store_id) is not None:
        return
    pins = _read_pins()
    pins[store_id] = {"founder": name, "public_key": public}
    try:
        path = profile_dir() / PINS_FILE
        atomic_write(path, json.dumps(pins, indent=2, sort_keys=True) + "\n")
        os.chmod(path, 0o600)
    except OSError as exc:
        log.warning("cannot remember the store's founder in your profile (%s)", exc)
