"""SM3/SM2: standard vectors, byte compatibility between the backends, gmssl itself and the openssl CLI."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from gmssl import sm2 as gm_sm2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.kit import sm2

BACKENDS = sm2.available_backends()
OPENSSL_CLI = shutil.which("openssl")
needs_cli = pytest.mark.skipif(OPENSSL_CLI is None, reason="openssl CLI not installed")
needs_both = pytest.mark.skipif(BACKENDS != ["openssl", "gmssl"], reason="needs both backends")
KNOWN_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
# gmssl is pure Python (tens of ms per signature): property tests touching it run fewer examples.
slow = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> sm2.Backend:
    return sm2.backend(request.param)


@pytest.fixture(scope="module")
def key() -> sm2.PrivateKey:
    return sm2.generate_key()


def gmssl_raw(public: bytes) -> gm_sm2.CryptSM2:
    """gmssl used directly, as another program would (public key set after construction: see GmsslBackend)."""
    crypt = gm_sm2.CryptSM2(private_key="", public_key="")
    crypt.public_key = public[1:].hex()
    return crypt


def flip(data: bytes, i: int, mask: int = 1) -> bytes:
    return data[:i] + bytes([data[i] ^ mask]) + data[i + 1 :]


# --- SM3 ---------------------------------------------------------------------------------------------


def test_this_machine_prefers_openssl() -> None:
    assert sm2.backend().name == sm2.BACKEND
    if "openssl" in BACKENDS:
        assert sm2.BACKEND.startswith("openssl-3.") and sm2.BACKEND.endswith("(ctypes)")
    assert sm2.backend("gmssl").name.startswith("gmssl-")


def test_sm3_gb_t_32905_vectors(backend: sm2.Backend) -> None:
    assert backend.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert backend.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert len(backend.sm3(b"")) == 32


@needs_both
@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_sm3_same_bytes_on_both_backends(data: bytes) -> None:
    assert sm2.backend("openssl").sm3(data) == sm2.backend("gmssl").sm3(data)


# --- the standard's worked example --------------------------------------------------------------------


def test_known_answer(backend: sm2.Backend) -> None:
    key = sm2.PrivateKey(sm2.KNOWN_PRIVATE)
    assert backend.public_key(key) == sm2.KNOWN_PUBLIC
    assert backend.verify(sm2.KNOWN_PUBLIC, sm2.KNOWN_MESSAGE, sm2.KNOWN_SIGNATURE)
    assert not backend.verify(sm2.KNOWN_PUBLIC, sm2.KNOWN_MESSAGE, sm2.KNOWN_SIGNATURE, uid=b"ALICE123@YAHOO.COM")


def test_gmssl_reproduces_the_known_signature_from_its_k() -> None:
    """With the example's k the signature is deterministic: our e = SM3(Z || M) and gmssl's own
    sign_with_sm3 (default ID) both give the published r||s, so the Z computations agree byte for byte."""
    crypt = gm_sm2.CryptSM2(private_key=sm2.KNOWN_PRIVATE.hex(), public_key="")
    crypt.public_key = sm2.KNOWN_PUBLIC[1:].hex()
    assert crypt.sign_with_sm3(sm2.KNOWN_MESSAGE, KNOWN_K) == sm2.KNOWN_SIGNATURE.hex()
    ours = sm2.backend("gmssl")
    assert isinstance(ours, sm2.GmsslBackend)
    e = ours._e(sm2.KNOWN_PUBLIC, sm2.KNOWN_MESSAGE, sm2.DEFAULT_ID)
    assert crypt.sign(e, KNOWN_K) == sm2.KNOWN_SIGNATURE.hex()


# --- signatures across implementations ----------------------------------------------------------------


def test_sign_verify_round_trip(backend: sm2.Backend, key: sm2.PrivateKey) -> None:
    public = backend.public_key(key)
    signature = backend.sign(key, b"license content")
    assert len(signature) == 64 and len(public) == 65 and public[0] == 4
    assert backend.verify(public, b"license content", signature)
    assert backend.sign(key, b"license content") != signature  # fresh k every time


@needs_both
def test_both_backends_derive_the_same_public_key() -> None:
    for _ in range(5):
        fresh = sm2.generate_key()
        assert sm2.backend("openssl").public_key(sm2.PrivateKey(fresh.secret_bytes())) == sm2.backend(
            "gmssl"
        ).public_key(sm2.PrivateKey(fresh.secret_bytes()))


@needs_both
@slow
@given(data=st.binary(max_size=200), uid=st.binary(min_size=1, max_size=40))
def test_openssl_and_gmssl_verify_each_other(key: sm2.PrivateKey, data: bytes, uid: bytes) -> None:
    openssl, gmssl = sm2.backend("openssl"), sm2.backend("gmssl")
    public = openssl.public_key(key)
    assert gmssl.verify(public, data, openssl.sign(key, data, uid), uid)
    assert openssl.verify(public, data, gmssl.sign(key, data, uid), uid)


@needs_both
@slow
@given(data=st.binary(max_size=200))
def test_gmssl_package_itself_agrees(key: sm2.PrivateKey, data: bytes) -> None:
    """gmssl's sign_with_sm3/verify_with_sm3 (default ID, e = SM3(Z || M)) against the OpenSSL backend."""
    openssl = sm2.backend("openssl")
    public = openssl.public_key(key)
    crypt = gmssl_raw(public)
    assert crypt.verify_with_sm3(openssl.sign(key, data).hex(), data) is True
    signer = gm_sm2.CryptSM2(private_key=key.secret_bytes().hex(), public_key="")
    signer.public_key = public[1:].hex()
    k = f"{sm2.N // 3:064x}"  # any k in [1, n-1]; gmssl's default k comes from `random`
    assert openssl.verify(public, data, bytes.fromhex(signer.sign_with_sm3(data, k)))


def test_every_flipped_byte_fails(backend: sm2.Backend, key: sm2.PrivateKey) -> None:
    public = backend.public_key(key)
    data = bytes(range(32))
    signature = backend.sign(key, data)
    for i in range(len(signature)):
        assert not backend.verify(public, data, flip(signature, i)), i
    for i in range(len(data)):
        assert not backend.verify(public, flip(data, i), signature), i
    for i in range(1, len(public)):
        assert not backend.verify(flip(public, i), data, signature), i
    assert not backend.verify(public, data + b"\x00", signature)
    assert not backend.verify(public, data, signature, uid=b"1234567812345679")
    assert backend.verify(public, data, signature)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 63), st.integers(1, 255), st.binary(min_size=1, max_size=64))
def test_any_change_to_an_openssl_signature_fails(position: int, mask: int, data: bytes) -> None:
    key = sm2.PrivateKey(sm2.KNOWN_PRIVATE)
    signature = sm2.sign(key, data)
    assert not sm2.verify(sm2.KNOWN_PUBLIC, data, flip(signature, position, mask))


@settings(max_examples=60, deadline=None)
@given(
    public=st.one_of(st.binary(max_size=70), st.just(sm2.KNOWN_PUBLIC)),
    signature=st.one_of(st.binary(max_size=70), st.binary(min_size=64, max_size=64)),
    uid=st.one_of(st.binary(max_size=20), st.just(b""), st.just(b"x" * 9000)),
)
def test_verify_never_raises_on_garbage(public: bytes, signature: bytes, uid: bytes) -> None:
    for name in BACKENDS:
        assert sm2.backend(name).verify(public, b"data", signature, uid) in (True, False)


def test_verify_refuses_out_of_range_and_off_curve(backend: sm2.Backend) -> None:
    r, s = sm2.KNOWN_SIGNATURE[:32], sm2.KNOWN_SIGNATURE[32:]
    n = sm2.N.to_bytes(32, "big")
    for bad in (bytes(32) + s, r + bytes(32), n + s, r + n, b"\xff" * 64):
        assert not backend.verify(sm2.KNOWN_PUBLIC, sm2.KNOWN_MESSAGE, bad)
    off_curve = sm2.KNOWN_PUBLIC[:-1] + bytes([sm2.KNOWN_PUBLIC[-1] ^ 1])
    assert not sm2.is_public_key(off_curve)
    assert not backend.verify(off_curve, sm2.KNOWN_MESSAGE, sm2.KNOWN_SIGNATURE)
    compressed = b"\x02" + sm2.KNOWN_PUBLIC[1:33]
    assert not backend.verify(compressed, sm2.KNOWN_MESSAGE, sm2.KNOWN_SIGNATURE)


def test_sign_refuses_a_bad_id(key: sm2.PrivateKey) -> None:
    with pytest.raises(sm2.SM2Error):
        sm2.sign(key, b"x", uid=b"")
    with pytest.raises(sm2.SM2Error):
        sm2.sign(key, b"x", uid=b"x" * 8192)


def test_threads_sign_in_parallel(key: sm2.PrivateKey) -> None:
    public = sm2.public_key(key)
    results: list[bool] = []

    def work(n: int) -> None:
        for i in range(20):
            data = f"{n}-{i}".encode()
            results.append(sm2.verify(public, data, sm2.sign(key, data)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 80


# --- keys ---------------------------------------------------------------------------------------------


def test_private_key_never_shows(key: sm2.PrivateKey, caplog: pytest.LogCaptureFixture) -> None:
    secret = key.secret_bytes().hex()
    logging.getLogger("test").warning("key %s %r", key, key)
    for text in (repr(key), str(key), f"{key}", caplog.text, repr([key]), repr({"k": key})):
        assert secret not in text and secret.upper() not in text
        assert "redacted" in text
    with pytest.raises(TypeError):
        pickle.dumps(key)


@pytest.mark.parametrize("scalar", [bytes(32), (sm2.N - 1).to_bytes(32, "big"), sm2.N.to_bytes(32, "big"), b"\x01"])
def test_private_key_range(scalar: bytes) -> None:
    with pytest.raises(sm2.SM2Error):
        sm2.PrivateKey(scalar)


def test_pem_round_trip(key: sm2.PrivateKey) -> None:
    pem = sm2.private_key_to_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n") and pem.endswith(b"-----END PRIVATE KEY-----\n")
    assert sm2.private_key_from_pem(pem).secret_bytes() == key.secret_bytes()
    assert sm2.private_key_from_pem(pem.decode()).secret_bytes() == key.secret_bytes()
    public = sm2.public_key(key)
    assert sm2.public_key_from_pem(sm2.public_key_to_pem(public)) == public


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nMIGH\n",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
    ],
)
def test_bad_private_pem(pem: bytes) -> None:
    with pytest.raises(sm2.SM2Error):
        sm2.private_key_from_pem(pem)


def test_pem_whose_public_key_is_not_its_own(key: sm2.PrivateKey) -> None:
    other = sm2.generate_key()
    forged = sm2._pem("PRIVATE KEY", sm2._pkcs8(key, sm2.public_key(other)))
    with pytest.raises(sm2.SM2Error, match="does not belong"):
        sm2.private_key_from_pem(forged)


@settings(max_examples=100)
@given(st.integers(1, sm2.N - 1), st.integers(1, sm2.N - 1))
def test_signature_der_round_trip(r: int, s: int) -> None:
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert sm2.signature_from_der(sm2.signature_to_der(raw)) == raw


@settings(max_examples=200)
@given(st.binary(max_size=80))
def test_signature_from_der_refuses_garbage(der: bytes) -> None:
    try:
        raw = sm2.signature_from_der(der)
    except sm2.SM2Error:
        return
    assert sm2.signature_to_der(raw) == der  # only exact DER gets through


def test_unknown_backend() -> None:
    with pytest.raises(sm2.SM2Error, match="unknown"):
        sm2.backend("nss")


def test_backend_forced_by_environment() -> None:
    code = "from onething.kit import sm2; print(sm2.BACKEND)"
    env = {**os.environ, "ONETHING_SM2_BACKEND": "gmssl"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("gmssl-")


def test_falls_back_to_gmssl_without_libcrypto(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> sm2.OpenSSLBackend:
        return sm2.OpenSSLBackend(path="/nonexistent/libcrypto.so")

    monkeypatch.setitem(sm2._BUILDERS, "openssl", missing)
    monkeypatch.setattr(sm2, "_built", {})
    monkeypatch.delenv("ONETHING_SM2_BACKEND", raising=False)
    assert sm2._choose().short == "gmssl"


# --- the openssl command line ---------------------------------------------------------------------------


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL_CLI is not None
    return subprocess.run([OPENSSL_CLI, *map(str, args)], capture_output=True, check=False)


@needs_cli
def test_openssl_cli_verifies_our_signatures(backend: sm2.Backend, key: sm2.PrivateKey, tmp_path: Path) -> None:
    data = "营业执照 430104".encode()
    (tmp_path / "msg").write_bytes(data)
    (tmp_path / "pub.pem").write_bytes(sm2.public_key_to_pem(backend.public_key(key)))
    (tmp_path / "sig").write_bytes(sm2.signature_to_der(backend.sign(key, data)))
    common: list[str | Path] = [
        "-pubin",
        "-inkey",
        tmp_path / "pub.pem",
        "-sigfile",
        tmp_path / "sig",
        "-in",
        tmp_path / "msg",
    ]
    ok = run("pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", *common)
    assert ok.returncode == 0, ok.stderr
    dgst = run(
        "dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt", "distid:1234567812345678",
        "-signature", tmp_path / "sig", tmp_path / "msg",
    )  # fmt: skip
    assert dgst.returncode == 0 and b"Verified OK" in dgst.stdout
    (tmp_path / "msg").write_bytes(data + b"!")
    bad = run("pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", *common)
    assert bad.returncode != 0


@needs_cli
def test_openssl_cli_keys_and_signatures_work_here(backend: sm2.Backend, tmp_path: Path) -> None:
    assert run("genpkey", "-algorithm", "SM2", "-out", tmp_path / "key.pem").returncode == 0
    assert run("pkey", "-in", tmp_path / "key.pem", "-pubout", "-out", tmp_path / "pub.pem").returncode == 0
    key = sm2.private_key_from_pem((tmp_path / "key.pem").read_bytes())
    public = sm2.public_key_from_pem((tmp_path / "pub.pem").read_bytes())
    assert backend.public_key(key) == public
    assert sm2.public_key_to_pem(public) == (tmp_path / "pub.pem").read_bytes()  # byte-identical PEM
    (tmp_path / "msg").write_bytes(b"sealed by the CLI")
    signed = run(
        "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
        "-inkey", tmp_path / "key.pem", "-in", tmp_path / "msg", "-out", tmp_path / "sig",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    signature = sm2.signature_from_der((tmp_path / "sig").read_bytes())
    assert backend.verify(public, b"sealed by the CLI", signature)
    assert not backend.verify(public, b"sealed by the CLI.", signature)


@needs_cli
def test_openssl_cli_reads_our_private_key(key: sm2.PrivateKey, tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_bytes(sm2.private_key_to_pem(key))
    out = run("pkey", "-in", tmp_path / "key.pem", "-pubout")
    assert out.returncode == 0, out.stderr
    assert out.stdout == sm2.public_key_to_pem(sm2.public_key(key))
    text = run("pkey", "-in", tmp_path / "key.pem", "-text", "-noout").stdout.decode()
    assert "SM2" in text or "ASN1 OID: SM2" in text


def test_sec1_private_key(key: sm2.PrivateKey) -> None:
    """ "EC PRIVATE KEY" (RFC 5915) as older tools write it; OpenSSL 3.0 itself no longer writes it for SM2."""
    public = sm2.public_key(key)
    fields = sm2._der_int(1) + sm2._der(0x04, key.secret_bytes()) + sm2._der(0xA0, sm2._SM2_CURVE)
    fields += sm2._der(0xA1, sm2._der(0x03, b"\x00" + public))
    pem = sm2._pem("EC PRIVATE KEY", sm2._der(0x30, fields))
    assert sm2.private_key_from_pem(pem).secret_bytes() == key.secret_bytes()
    p256_curve = sm2._oid("1.2.840.10045.3.1.7")
    other = sm2._pem("EC PRIVATE KEY", sm2._der(0x30, fields.replace(sm2._SM2_CURVE, p256_curve)))
    with pytest.raises(sm2.SM2Error, match="another curve"):
        sm2.private_key_from_pem(other)


@needs_cli
def test_other_curves_refused(tmp_path: Path) -> None:
    p256 = run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    assert p256.returncode == 0
    with pytest.raises(sm2.SM2Error, match="not an SM2 key"):
        sm2.private_key_from_pem(p256.stdout)
    (tmp_path / "k.pem").write_bytes(p256.stdout)
    p256_pub = run("pkey", "-in", tmp_path / "k.pem", "-pubout").stdout
    with pytest.raises(sm2.SM2Error, match="not an SM2 public key"):
        sm2.public_key_from_pem(p256_pub)
