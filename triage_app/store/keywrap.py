"""Wrapping a store key with a passphrase (Argon2id + AES-256-GCM), for machines without a keyring.

Only the wrapped form is ever written to disk. The store id is bound into the AES-GCM additional
data, so a wrapped key copied beside another store does not unwrap there."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..core.errors import WrongKeyError

# OWASP's Argon2id guidance (2023): m >= 19 MiB, t >= 2; we take 64 MiB and 3 passes (~0.15 s).
DEFAULT_KDF = {"name": "argon2id", "time_cost": 3, "memory_kib": 65536, "parallelism": 1}
WRAP_CIPHER = "aes-256-gcm"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(passphrase: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "argon2id":
        raise WrongKeyError(f"unknown key-derivation function {kdf.get('name')!r} in the key file")
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=int(kdf["time_cost"]),
        memory_cost=int(kdf["memory_kib"]),
        parallelism=int(kdf["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def _aad(store_id: str) -> bytes:
    return f"triage-store-key:v1:{store_id}".encode()


def wrap_key(key: bytes, passphrase: str, store_id: str) -> dict[str, Any]:
    """The JSON-ready wrapped form of ``key``: KDF parameters, salt, nonce and ciphertext."""
    if not passphrase:
        raise WrongKeyError("the passphrase is empty")
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    kek = _derive(passphrase, salt, DEFAULT_KDF)
    sealed = AESGCM(kek).encrypt(nonce, key, _aad(store_id))
    return {
        "kdf": dict(DEFAULT_KDF),
        "salt": _b64(salt),
        "cipher": WRAP_CIPHER,
        "nonce": _b64(nonce),
        "wrapped_key": _b64(sealed),
    }


def unwrap_key(wrapped: dict[str, Any], passphrase: str, store_id: str) -> bytes:
    """The store key, or WrongKeyError for a wrong passphrase or an altered key file."""
    try:
        if wrapped.get("cipher") != WRAP_CIPHER:
            raise ValueError(wrapped.get("cipher"))
        salt = _unb64(wrapped["salt"])
        nonce = _unb64(wrapped["nonce"])
        sealed = _unb64(wrapped["wrapped_key"])
        kdf = dict(wrapped["kdf"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WrongKeyError("the store's key file is damaged") from exc
    kek = _derive(passphrase, salt, kdf)
    try:
        key = AESGCM(kek).decrypt(nonce, sealed, _aad(store_id))
    except InvalidTag as exc:
        raise WrongKeyError("wrong passphrase or damaged key file") from exc
    if len(key) != 32:
        raise WrongKeyError("the store's key file is damaged")
    return key
