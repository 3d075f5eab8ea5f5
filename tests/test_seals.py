"""Seal keys on disk: modes, no overwriting, rotation keeping old public keys, refusal of odd key ids."""

from __future__ import annotations

import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from onething.kit import seals, sm2


@pytest.fixture
def keys(tmp_path: Path) -> seals.KeyDirectory:
    return seals.KeyDirectory(tmp_path / "seals")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_sign_verify(keys: seals.KeyDirectory) -> None:
    assert not keys.exists("430104-market")
    signer = keys.create("430104-market")
    signature = signer.sign(b"license")
    assert keys.exists("430104-market")
    assert signer.key_id == "430104-market"
    assert keys.public_key("430104-market") == signer.public_key()
    assert sm2.verify(keys.public_key("430104-market"), b"license", signature)
    again = keys.signer("430104-market")
    assert again.public_key() == signer.public_key()
    assert sm2.verify(again.public_key(), b"x", again.sign(b"x"))


def test_files_and_modes(keys: seals.KeyDirectory) -> None:
    keys.create("430104-market")
    assert mode(keys.path) == 0o700
    assert mode(keys.path / "430104-market.key.pem") == 0o600
    assert sorted(p.name for p in keys.path.iterdir()) == [".lock", "430104-market.key.pem", "430104-market.pub.pem"]
    text = (keys.path / "430104-market.key.pem").read_bytes()
    assert text.startswith(b"-----BEGIN PRIVATE KEY-----")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_openssl_reads_the_key_file(keys: seals.KeyDirectory) -> None:
    signer = keys.create("430104-market")
    out = subprocess.run(
        ["openssl", "pkey", "-in", str(keys.path / "430104-market.key.pem"), "-pubout"], capture_output=True, check=True
    )
    assert out.stdout == sm2.public_key_to_pem(signer.public_key())


def test_no_overwrite_without_rotate(keys: seals.KeyDirectory) -> None:
    first = keys.create("430104-market")
    with pytest.raises(FileExistsError):
        keys.create("430104-market")
    assert keys.signer("430104-market").public_key() == first.public_key()


def test_rotation_keeps_old_public_keys(keys: seals.KeyDirectory) -> None:
    old = keys.create("430104-market")
    old_signature = old.sign(b"sealed in 2025")
    new = keys.create("430104-market", rotate=True)
    assert new.public_key() != old.public_key()
    assert keys.public_key("430104-market") == new.public_key()
    assert keys.signer("430104-market").public_key() == new.public_key()
    assert keys.public_keys("430104-market") == [new.public_key(), old.public_key()]
    assert any(sm2.verify(p, b"sealed in 2025", old_signature) for p in keys.public_keys("430104-market"))
    newest = keys.create("430104-market", rotate=True)
    assert keys.public_keys("430104-market") == [newest.public_key(), new.public_key(), old.public_key()]
    assert not list(keys.path.glob("*.tmp"))


def test_rotate_creates_a_missing_key(keys: seals.KeyDirectory) -> None:
    signer = keys.create("430104-market", rotate=True)
    assert keys.public_keys("430104-market") == [signer.public_key()]


def test_verifier_copy_without_private_keys(keys: seals.KeyDirectory) -> None:
    old = keys.create("430104-market").public_key()
    new = keys.create("430104-market", rotate=True).public_key()
    (keys.path / "430104-market.key.pem").unlink()
    assert not keys.exists("430104-market")
    assert keys.public_keys("430104-market") == [new, old]
    with pytest.raises(FileNotFoundError):
        keys.signer("430104-market")


def test_stale_public_list_is_repaired_before_signing(keys: seals.KeyDirectory) -> None:
    """A crash between writing the private key and the public list: the next signer() puts it right."""
    keys.create("430104-market")
    before = (keys.path / "430104-market.pub.pem").read_bytes()
    new = keys.create("430104-market", rotate=True)
    (keys.path / "430104-market.pub.pem").write_bytes(before)  # as if the crash lost the update
    assert keys.signer("430104-market").public_key() == new.public_key()
    assert keys.public_keys("430104-market")[0] == new.public_key()
    assert len(keys.public_keys("430104-market")) == 2


def test_missing_key(keys: seals.KeyDirectory) -> None:
    with pytest.raises(FileNotFoundError):
        keys.signer("430104-market")
    with pytest.raises(FileNotFoundError):
        keys.public_key("430104-market")


@pytest.mark.parametrize(
    "key_id", ["", "../etc", "a/b", "a.b", "430104-Market", "-x", "_x", "a b", "x" * 65, "证照", "a\x00", ".lock"]
)
def test_bad_key_ids(keys: seals.KeyDirectory, key_id: str) -> None:
    with pytest.raises(ValueError, match="key id"):
        keys.create(key_id)
    with pytest.raises(ValueError, match="key id"):
        keys.exists(key_id)


@pytest.mark.parametrize("key_id", ["430104-market", "430104_public_security", "9", "x" * 64])
def test_good_key_ids(key_id: str) -> None:
    assert seals.check_key_id(key_id) == key_id


def test_refuses_a_key_file_others_can_read(keys: seals.KeyDirectory) -> None:
    keys.create("430104-market")
    (keys.path / "430104-market.key.pem").chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        keys.signer("430104-market")


def test_refuses_an_open_directory(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o755)
    with pytest.raises(PermissionError, match="chmod 700"):
        seals.KeyDirectory(open_dir).create("430104-market")


def test_concurrent_creates_make_one_key(keys: seals.KeyDirectory) -> None:
    outcomes: list[str] = []

    def create() -> None:
        try:
            keys.create("430104-market")
            outcomes.append("created")
        except FileExistsError:
            outcomes.append("exists")

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created"] + ["exists"] * 7
    assert len(keys.public_keys("430104-market")) == 1


def test_repr_names_the_key_not_the_secret(keys: seals.KeyDirectory) -> None:
    signer = keys.create("430104-market")
    secret = signer._key.secret_bytes().hex()
    assert "430104-market" in repr(signer) and signer.fingerprint in repr(signer)
    assert secret not in repr(signer)
    assert len(signer.fingerprint) == 32
    assert seals.fingerprint(signer.public_key()) == signer.fingerprint


def test_signer_protocol(keys: seals.KeyDirectory) -> None:
    signer: seals.Signer = keys.create("430104-market")
    assert sm2.verify(signer.public_key(), b"x", signer.sign(b"x"))
