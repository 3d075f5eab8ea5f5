"""Where seal keys live: one SM2 key per key id (an org code such as ``430104-market``) in a directory.

Layout of ``KeyDirectory(path)`` (directory mode 0700, POSIX):

- ``<key id>.key.pem``: the current private key, PKCS#8 PEM (``openssl pkey -in`` reads it), mode 0600;
- ``<key id>.pub.pem``: every public key the id has had, current first, as SubjectPublicKeyInfo PEM blocks.
  Rotating replaces the private key but keeps the old public keys here, so licenses sealed before the
  rotation still verify; ``fingerprint`` tells which key sealed what.

Files are written to a temporary file, flushed and renamed into place, so a reader sees a whole key or none.
Creating never overwrites a key (the final step is a hard link, which fails if the name exists) unless
``rotate=True``. Writers take an ``flock`` on ``.lock`` so concurrent processes do not interleave; if a crash
leaves the public list behind the private key, the next ``signer``/``public_keys`` call puts it right before
anything is signed with the new key. Private key files readable by group or others are refused, as ssh does.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from onething.kit import sm2

KEY_ID = re.compile(r"[0-9a-z][0-9a-z_-]{0,63}")
_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----\n?", re.DOTALL)


class Signer(Protocol):
    @property
    def key_id(self) -> str: ...

    def public_key(self) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


def fingerprint(public: bytes) -> str:
    """A short stable name for a public key: the first 16 bytes of its SM3, in hex."""
    return sm2.sm3(public)[:16].hex()


def check_key_id(key_id: str) -> str:
    if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
        raise ValueError("key id must be 1-64 characters of 0-9, a-z, '_' and '-', starting with a letter or digit")
    return key_id


class KeySigner:
    """Signs with one SM2 key (default distinguishing ID). Its repr names the key, never shows it."""

    def __init__(self, key_id: str, key: sm2.PrivateKey) -> None:
        self._key_id = key_id
        self._key = key
        self._public = sm2.public_key(key)

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def fingerprint(self) -> str:
        return fingerprint(self._public)

    def public_key(self) -> bytes:
        return self._public

    def sign(self, data: bytes) -> bytes:
        return sm2.sign(self._key, data)

    def __repr__(self) -> str:
        return f"KeySigner({self._key_id!r}, fingerprint={self.fingerprint!r})"


class KeyDirectory:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _private_path(self, key_id: str) -> Path:
        return self.path / f"{check_key_id(key_id)}.key.pem"

    def _public_path(self, key_id: str) -> Path:
        return self.path / f"{check_key_id(key_id)}.pub.pem"

    def _ensure(self) -> None:
        if not self.path.exists():
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.chmod(0o700)  # mkdir's mode is filtered by the umask
        mode = self.path.stat().st_mode
        if not stat.S_ISDIR(mode):
            raise NotADirectoryError(f"key directory {self.path} is not a directory")
        if mode & 0o077:
            raise PermissionError(f"key directory {self.path} is open to group or others: chmod 700 it")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure()
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def exists(self, key_id: str) -> bool:
        return self._private_path(key_id).is_file()

    def create(self, key_id: str, *, rotate: bool = False) -> KeySigner:
        """A new key for ``key_id``. ``FileExistsError`` if it has one, unless ``rotate``: then the new key
        replaces it for signing and the old public key stays in ``public_keys`` for verifying."""
        target = self._private_path(key_id)
        with self._locked():
            if target.exists() and not rotate:
                raise FileExistsError(f"seal key {key_id!r} exists; rotate it to replace it")
            key = sm2.generate_key()
            _write(target, sm2.private_key_to_pem(key), 0o600, replace=rotate)
            self._record(key_id, sm2.public_key(key))
        return KeySigner(key_id, key)

    def signer(self, key_id: str) -> KeySigner:
        """The signer for ``key_id``'s current key; ``FileNotFoundError`` if there is none."""
        key = self._read_private(key_id)
        if key is None:
            raise FileNotFoundError(f"no seal key {key_id!r} in {self.path}")
        public = sm2.public_key(key)
        if self._read_publics(key_id)[:1] != [public]:
            with self._locked():
                self._record(key_id, public)
        return KeySigner(key_id, key)

    def public_key(self, key_id: str) -> bytes:
        """The current public key (65 bytes); ``FileNotFoundError`` if the id has none."""
        return self.public_keys(key_id)[0]

    def public_keys(self, key_id: str) -> list[bytes]:
        """Every public key ``key_id`` has had, current first. Works without the private key (a verifier's
        copy of the directory); with it, the current key is made sure to come first."""
        publics = self._read_publics(key_id)
        key = self._read_private(key_id)
        if key is not None and publics[:1] != [sm2.public_key(key)]:
            with self._locked():
                self._record(key_id, sm2.public_key(key))
            publics = self._read_publics(key_id)
        if not publics:
            raise FileNotFoundError(f"no seal key {key_id!r} in {self.path}")
        return publics

    def _read_private(self, key_id: str) -> sm2.PrivateKey | None:
        path = self._private_path(key_id)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        with os.fdopen(fd, "rb") as f:
            if os.fstat(f.fileno()).st_mode & 0o077:
                raise PermissionError(f"seal key file {path} is open to group or others: chmod 600 it")
            return sm2.private_key_from_pem(f.read())

    def _read_publics(self, key_id: str) -> list[bytes]:
        try:
            text = self._public_path(key_id).read_bytes()
        except FileNotFoundError:
            return []
        return [sm2.public_key_from_pem(block) for block in _PEM_BLOCK.findall(text)]

    def _record(self, key_id: str, current: bytes) -> None:
        """Put ``current`` first in the public list, keeping every other key. Call with the lock held."""
        publics = [current] + [p for p in self._read_publics(key_id) if p != current]
        _write(self._public_path(key_id), b"".join(sm2.public_key_to_pem(p) for p in publics), 0o644, replace=True)


def _write(target: Path, data: bytes, mode: int, *, replace: bool) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            tmp.replace(target)
        else:
            os.link(tmp, target)  # FileExistsError rather than clobbering a key another process just wrote
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
