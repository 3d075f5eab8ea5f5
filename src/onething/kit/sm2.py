"""SM3 hashes and SM2 signatures (GB/T 32905, GB/T 32918 / GM/T 0003, GM/T 0009), with no domain knowledge.

Two backends do the arithmetic behind one interface (``Backend``):

- ``openssl``: the system's OpenSSL 3 libcrypto through ``ctypes`` (EVP_PKEY keys, EVP_DigestSign/Verify
  with SM3 and the distinguishing ID set by ``EVP_PKEY_CTX_set1_id``). Preferred: 25-50x faster, and ctypes
  releases the GIL, so threads sign in parallel.
- ``gmssl``: the pure-Python ``gmssl`` package, used when libcrypto is missing or lacks SM2.

The default is chosen at import (OpenSSL first, after a known-answer self-test) and named in ``BACKEND``;
``ONETHING_SM2_BACKEND=openssl|gmssl`` forces one, and ``backend(name)`` gives either for tests and benches.

Formats are fixed so they can be stored and exchanged:

- a private key is the 32-byte scalar d (1 <= d <= n-2) in a ``PrivateKey`` whose repr is redacted;
- a public key is the 65-byte uncompressed point 04||X||Y;
- a signature is 64 raw bytes r||s (GM/T 0009's fixed-width form; ``signature_to_der`` gives the ASN.1
  form OpenSSL and most other tools exchange);
- keys travel as PEM: PKCS#8 "PRIVATE KEY" and SubjectPublicKeyInfo "PUBLIC KEY" with the id-ecPublicKey
  algorithm and the SM2 curve (1.2.156.10197.1.301), exactly what ``openssl genpkey -algorithm SM2`` writes.
  The DER is read and written here in Python, so PEM works the same on either backend.

The signed hash is e = SM3(Z || M) with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2),
the ID defaulting to "1234567812345678" (GM/T 0009). The OpenSSL 3.0 CLI must be given that ID to check
these signatures (``openssl dgst -sm3 -sigopt distid:1234567812345678``, ``openssl pkeyutl -rawin -digest sm3
-pkeyopt distid:1234567812345678``): without it, both fail to verify.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import importlib.metadata
import logging
import os
import secrets
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol, cast

_log = logging.getLogger(__name__)

DEFAULT_ID = b"1234567812345678"

# The recommended curve (GB/T 32918.5): y^2 = x^3 + ax + b over F_p, base point G of prime order n, cofactor 1.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

SIGNATURE_SIZE = 64
PUBLIC_KEY_SIZE = 65
_MAX_ID_BYTES = 8191  # ENTL is the ID's length in bits, in two bytes


class SM2Error(ValueError):
    """Key material, PEM or a distinguishing ID that cannot be used, or a backend that failed to sign."""


def _int32(value: int) -> bytes:
    return value.to_bytes(32, "big")


class PrivateKey:
    """An SM2 private key. Its repr and str never show the scalar; it cannot be pickled by accident."""

    __slots__ = ("__weakref__", "_handles", "_public", "_scalar")

    def __init__(self, scalar: bytes) -> None:
        if len(scalar) != 32:
            raise SM2Error("an SM2 private key is a 32-byte scalar")
        if not 1 <= int.from_bytes(scalar, "big") <= N - 2:
            raise SM2Error("SM2 private key out of range [1, n-2]")
        self._scalar = bytes(scalar)
        self._public: bytes | None = None
        # Backend-specific objects built from the scalar (an EVP_PKEY, a gmssl instance), kept with the key.
        self._handles: dict[str, object] = {}

    def secret_bytes(self) -> bytes:
        """The scalar d, big-endian. Only for exporting the key; never log it."""
        return self._scalar

    def __repr__(self) -> str:
        return "PrivateKey(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("a PrivateKey is not picklable: export it with private_key_to_pem on purpose")


# --- DER, just enough for SM2 keys and signatures -------------------------------------------------


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def _der_items(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, content) pairs in ``data``, strictly DER: definite, minimal lengths and nothing left over."""
    items: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise SM2Error("truncated DER")
        tag, first = data[pos], data[pos + 1]
        pos += 2
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4 or pos + count > len(data) or data[pos] == 0:
                raise SM2Error("bad DER length")
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
            if length < 0x80:
                raise SM2Error("non-minimal DER length")
        if pos + length > len(data):
            raise SM2Error("truncated DER")
        items.append((tag, data[pos : pos + length]))
        pos += length
    return items


def _der_one(data: bytes, tag: int) -> bytes:
    items = _der_items(data)
    if len(items) != 1 or items[0][0] != tag:
        raise SM2Error(f"expected one DER element with tag {tag:#04x}")
    return items[0][1]


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))  # +1 byte keeps the sign bit clear


def _der_uint(content: bytes) -> int:
    if not content or content[0] & 0x80 or (len(content) > 1 and content[0] == 0 and not content[1] & 0x80):
        raise SM2Error("bad DER INTEGER (negative or not minimal)")
    return int.from_bytes(content, "big")


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray()
    for arc in [40 * first + second, *rest]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        body.extend(reversed(chunk))
    return _der(0x06, bytes(body))


_SEQ, _OCTETS, _BITS = 0x30, 0x04, 0x03
_EC_PUBLIC_KEY = _oid("1.2.840.10045.2.1")
_SM2_CURVE = _oid("1.2.156.10197.1.301")
_ALGORITHM = _der(_SEQ, _EC_PUBLIC_KEY + _SM2_CURVE)


def signature_to_der(signature: bytes) -> bytes:
    """r||s as the ASN.1 ``SEQUENCE { r INTEGER, s INTEGER }`` that OpenSSL reads and writes."""
    if len(signature) != SIGNATURE_SIZE:
        raise SM2Error("an SM2 signature is 64 bytes r||s")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    return _der(_SEQ, _der_int(r) + _der_int(s))


def signature_from_der(der: bytes) -> bytes:
    """The 64-byte r||s of a DER signature; ``SM2Error`` if it is not one."""
    items = _der_items(_der_one(der, _SEQ))
    if len(items) != 2 or any(tag != 0x02 for tag, _ in items):
        raise SM2Error("an SM2 DER signature is a SEQUENCE of two INTEGERs")
    r, s = (_der_uint(content) for _, content in items)
    if not (0 < r < N and 0 < s < N):
        raise SM2Error("SM2 signature component out of range")
    return _int32(r) + _int32(s)


def is_public_key(public: bytes) -> bool:
    """Whether ``public`` is 04||X||Y with (X, Y) on the curve. The cofactor is 1: on the curve is in the group."""
    if len(public) != PUBLIC_KEY_SIZE or public[0] != 0x04:
        return False
    x, y = int.from_bytes(public[1:33], "big"), int.from_bytes(public[33:], "big")
    return x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _checked_public(public: bytes) -> bytes:
    if not is_public_key(public):
        raise SM2Error("not an uncompressed SM2 public key on the curve")
    return bytes(public)


def _checked_id(uid: bytes) -> bytes:
    if not 1 <= len(uid) <= _MAX_ID_BYTES:
        raise SM2Error(f"the SM2 distinguishing ID must be 1 to {_MAX_ID_BYTES} bytes")
    return bytes(uid)


def _pkcs8(key: PrivateKey, public: bytes | None) -> bytes:
    # ECPrivateKey (RFC 5915) inside PKCS#8 (RFC 5208); the public key rides along as OpenSSL writes it.
    inner = _der_int(1) + _der(_OCTETS, key.secret_bytes())
    if public is not None:
        inner += _der(0xA1, _der(_BITS, b"\x00" + public))
    return _der(_SEQ, _der_int(0) + _ALGORITHM + _der(_OCTETS, _der(_SEQ, inner)))


def _spki(public: bytes) -> bytes:
    return _der(_SEQ, _ALGORITHM + _der(_BITS, b"\x00" + public))


def _pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode(), b""])


def _unpem(pem: bytes | str, labels: tuple[str, ...]) -> tuple[str, bytes]:
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    for label in labels:
        begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
        start = text.find(begin)
        if start < 0:
            continue
        stop = text.find(end, start)
        if stop < 0:
            raise SM2Error(f"PEM {label} block is not closed")
        body = "".join(text[start + len(begin) : stop].split())
        try:
            return label, base64.b64decode(body, validate=True)
        except ValueError:
            raise SM2Error(f"PEM {label} block is not valid base64") from None
    if "ENCRYPTED PRIVATE KEY" in text:
        raise SM2Error("encrypted private keys are not supported: decrypt with `openssl pkey` first")
    raise SM2Error(f"no PEM block labelled {' or '.join(labels)}")


def private_key_to_pem(key: PrivateKey) -> bytes:
    """PKCS#8 PEM ("PRIVATE KEY"), as ``openssl genpkey -algorithm SM2`` writes it."""
    return _pem("PRIVATE KEY", _pkcs8(key, public_key(key)))


def private_key_from_pem(pem: bytes | str) -> PrivateKey:
    """A key from PKCS#8 PEM, or from SEC1 "EC PRIVATE KEY" PEM on the SM2 curve. Unencrypted only."""
    label, der = _unpem(pem, ("PRIVATE KEY", "EC PRIVATE KEY"))
    if label == "PRIVATE KEY":
        items = _der_items(_der_one(der, _SEQ))
        if len(items) < 3 or items[0] not in ((0x02, b"\x00"), (0x02, b"\x01")):
            raise SM2Error("not a PKCS#8 private key")
        if _der(_SEQ, items[1][1]) != _ALGORITHM or items[1][0] != _SEQ:
            raise SM2Error("not an SM2 key: PKCS#8 algorithm is not id-ecPublicKey on the SM2 curve")
        if items[2][0] != _OCTETS:
            raise SM2Error("not a PKCS#8 private key")
        ec_key, curve_required = items[2][1], False
    else:
        ec_key, curve_required = der, True
    fields = _der_items(_der_one(ec_key, _SEQ))
    if len(fields) < 2 or fields[0] != (0x02, b"\x01") or fields[1][0] != _OCTETS:
        raise SM2Error("not an EC private key")
    scalar, public, curve = fields[1][1], None, None
    for tag, content in fields[2:]:
        if tag == 0xA0:
            curve = content
        elif tag == 0xA1:
            bits = _der_one(content, _BITS)
            if bits[:1] != b"\x00":
                raise SM2Error("bad public key BIT STRING")
            public = bits[1:]
    if (curve_required or curve is not None) and curve != _SM2_CURVE:
        raise SM2Error("not an SM2 key: the EC parameters name another curve")
    if len(scalar) > 32:
        raise SM2Error("an SM2 private key is a 32-byte scalar")
    key = PrivateKey(scalar.rjust(32, b"\x00"))
    if public is not None and public != public_key(key):
        raise SM2Error("the public key stored with the private key does not belong to it")
    return key


def public_key_to_pem(public: bytes) -> bytes:
    """SubjectPublicKeyInfo PEM ("PUBLIC KEY"), as ``openssl pkey -pubout`` writes it."""
    return _pem("PUBLIC KEY", _spki(_checked_public(public)))


def public_key_from_pem(pem: bytes | str) -> bytes:
    """The 65-byte public key of SubjectPublicKeyInfo PEM; ``SM2Error`` unless it is an SM2 point on the curve."""
    _, der = _unpem(pem, ("PUBLIC KEY",))
    items = _der_items(_der_one(der, _SEQ))
    if len(items) != 2 or items[0][0] != _SEQ or _der(_SEQ, items[0][1]) != _ALGORITHM or items[1][0] != _BITS:
        raise SM2Error("not an SM2 public key: algorithm is not id-ecPublicKey on the SM2 curve")
    bits = items[1][1]
    if bits[:1] != b"\x00":
        raise SM2Error("bad public key BIT STRING")
    if bits[1:2] in (b"\x02", b"\x03"):
        raise SM2Error("compressed SM2 public keys are not supported")
    return _checked_public(bits[1:])


# --- backends ------------------------------------------------------------------------------------


class Backend(Protocol):
    """One implementation of the arithmetic. Inputs are checked the same way whichever does it."""

    @property
    def name(self) -> str: ...

    def sm3(self, data: bytes) -> bytes: ...

    def public_key(self, key: PrivateKey) -> bytes: ...

    def sign(self, key: PrivateKey, data: bytes, uid: bytes = DEFAULT_ID) -> bytes: ...

    def verify(self, public: bytes, data: bytes, signature: bytes, uid: bytes = DEFAULT_ID) -> bool: ...


class _Base:
    """Shared checks around the backend-specific ``_derive``, ``_sign`` and ``_verify``."""

    name = ""
    short = ""

    def sm3(self, data: bytes) -> bytes:
        raise NotImplementedError

    def _derive(self, key: PrivateKey) -> bytes:
        raise NotImplementedError

    def _sign(self, key: PrivateKey, public: bytes, data: bytes, uid: bytes) -> bytes:
        raise NotImplementedError

    def _verify(self, public: bytes, data: bytes, signature: bytes, uid: bytes) -> bool:
        raise NotImplementedError

    def public_key(self, key: PrivateKey) -> bytes:
        if key._public is None:
            key._public = self._derive(key)
        return key._public

    def sign(self, key: PrivateKey, data: bytes, uid: bytes = DEFAULT_ID) -> bytes:
        """r||s over e = SM3(Z || data); a fresh random k every time."""
        return self._sign(key, self.public_key(key), bytes(data), _checked_id(uid))

    def verify(self, public: bytes, data: bytes, signature: bytes, uid: bytes = DEFAULT_ID) -> bool:
        """True only for a valid signature; any malformed input is False, never an exception."""
        try:
            if not (is_public_key(public) and len(signature) == SIGNATURE_SIZE and 1 <= len(uid) <= _MAX_ID_BYTES):
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            if not (0 < r < N and 0 < s < N):
                return False
            return self._verify(bytes(public), bytes(data), bytes(signature), bytes(uid))
        except (TypeError, ValueError, ArithmeticError):
            return False

    def __repr__(self) -> str:
        return f"<sm2 backend {self.name}>"


def _z(public: bytes, uid: bytes, hash_: Callable[[bytes], bytes]) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2, 5.5)."""
    entl = (len(uid) * 8).to_bytes(2, "big")
    return hash_(entl + uid + _int32(A) + _int32(B) + _int32(GX) + _int32(GY) + public[1:])


class _EvpKey:
    """An EVP_PKEY* freed when this object goes away."""

    def __init__(self, ptr: int, free: Callable[[int], None]) -> None:
        self.ptr = ptr
        weakref.finalize(self, free, ptr)


class OpenSSLBackend(_Base):
    short = "openssl"

    def __init__(self, path: str | None = None) -> None:
        lib = _load_libcrypto(path)
        vp, cp, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t

        def fn(name: str, restype: Any, *argtypes: Any) -> Any:
            f = getattr(lib, name)
            f.restype, f.argtypes = restype, list(argtypes)
            return f

        fn("OpenSSL_version_num", ctypes.c_ulong)
        if lib.OpenSSL_version_num() < 0x30000000:
            raise OSError("libcrypto is older than OpenSSL 3.0")
        version = fn("OpenSSL_version", cp, ctypes.c_int)(0).decode()  # "OpenSSL 3.0.19 27 Jan 2026"
        self.name = f"openssl-{version.split()[1]} (ctypes)" if version.startswith("OpenSSL ") else version
        self._md_fetch = fn("EVP_MD_fetch", vp, vp, cp, cp)
        self._md_ctx_new = fn("EVP_MD_CTX_new", vp)
        self._md_ctx_free = fn("EVP_MD_CTX_free", None, vp)
        self._digest = fn("EVP_Digest", ctypes.c_int, cp, sz, cp, ctypes.POINTER(ctypes.c_uint), vp, vp)
        self._d2i_private = fn("d2i_AutoPrivateKey", vp, vp, ctypes.POINTER(cp), ctypes.c_long)
        self._d2i_public = fn("d2i_PUBKEY", vp, vp, ctypes.POINTER(cp), ctypes.c_long)
        self._pkey_free = fn("EVP_PKEY_free", None, vp)
        self._pkey_is_a = fn("EVP_PKEY_is_a", ctypes.c_int, vp, cp)
        self._get_octets = fn("EVP_PKEY_get_octet_string_param", ctypes.c_int, vp, cp, cp, sz, ctypes.POINTER(sz))
        self._sign_init = fn("EVP_DigestSignInit", ctypes.c_int, vp, ctypes.POINTER(vp), vp, vp, vp)
        self._verify_init = fn("EVP_DigestVerifyInit", ctypes.c_int, vp, ctypes.POINTER(vp), vp, vp, vp)
        self._set1_id = fn("EVP_PKEY_CTX_set1_id", ctypes.c_int, vp, cp, ctypes.c_int)
        self._digest_sign = fn("EVP_DigestSign", ctypes.c_int, vp, cp, ctypes.POINTER(sz), cp, sz)
        self._digest_verify = fn("EVP_DigestVerify", ctypes.c_int, vp, cp, sz, cp, sz)
        self._clear_errors = fn("ERR_clear_error", None)
        # Fetched once: an explicit fetch per signature would cost a provider look-up each time.
        self._sm3 = self._md_fetch(None, b"SM3", None)
        if not self._sm3:
            raise OSError("libcrypto has no SM3")
        self._publics: dict[bytes, _EvpKey] = {}
        self._lock = threading.Lock()

    def _free(self, ptr: int) -> None:
        self._pkey_free(ptr)

    def sm3(self, data: bytes) -> bytes:
        out = ctypes.create_string_buffer(32)
        if self._digest(bytes(data), len(data), out, None, self._sm3, None) != 1:
            self._clear_errors()
            raise SM2Error("OpenSSL SM3 failed")
        return out.raw

    def _load(self, decode: Any, der: bytes) -> _EvpKey | None:
        cursor = ctypes.c_char_p(der)
        ptr = decode(None, ctypes.byref(cursor), len(der))
        if not ptr:
            self._clear_errors()
            return None
        handle = _EvpKey(ptr, self._free)
        # An EC key on another curve would sign with ECDSA: insist on OpenSSL's SM2 key type.
        return handle if self._pkey_is_a(ptr, b"SM2") == 1 else None

    def _private(self, key: PrivateKey) -> _EvpKey:
        handle = key._handles.get(self.short)
        if isinstance(handle, _EvpKey):
            return handle
        loaded = self._load(self._d2i_private, _pkcs8(key, key._public))
        if loaded is None:
            raise SM2Error("OpenSSL refused the SM2 private key")
        key._handles[self.short] = loaded
        return loaded

    def _public(self, public: bytes) -> _EvpKey | None:
        handle = self._publics.get(public)
        if handle is None:
            handle = self._load(self._d2i_public, _spki(public))
            if handle is not None:
                with self._lock:
                    if len(self._publics) >= 1024:  # verifying keys are few (one per seal); bound it anyway
                        self._publics.clear()
                    self._publics[public] = handle
        return handle

    def _derive(self, key: PrivateKey) -> bytes:
        out, size = ctypes.create_string_buffer(PUBLIC_KEY_SIZE), ctypes.c_size_t()
        ok = self._get_octets(self._private(key).ptr, b"pub", out, len(out), ctypes.byref(size))
        if ok != 1 or size.value != PUBLIC_KEY_SIZE or out.raw[0] != 0x04:
            self._clear_errors()
            raise SM2Error("OpenSSL could not derive the SM2 public key")
        return out.raw

    def _operate(self, init: Any, pkey: _EvpKey, uid: bytes, run: Callable[[int], int]) -> int:
        ctx = self._md_ctx_new()
        if not ctx:
            raise MemoryError("EVP_MD_CTX_new")
        try:
            pctx = ctypes.c_void_p()
            # The ID goes on the context after init (before any data): that is when OpenSSL 3 accepts it.
            if init(ctx, ctypes.byref(pctx), self._sm3, None, pkey.ptr) != 1:
                return -1
            if self._set1_id(pctx, uid, len(uid)) != 1:
                return -1
            return run(ctx)
        finally:
            self._md_ctx_free(ctx)

    def _sign(self, key: PrivateKey, public: bytes, data: bytes, uid: bytes) -> bytes:
        out, size = ctypes.create_string_buffer(80), ctypes.c_size_t(80)
        ok = self._operate(
            self._sign_init,
            self._private(key),
            uid,
            lambda ctx: int(self._digest_sign(ctx, out, ctypes.byref(size), data, len(data))),
        )
        if ok != 1:
            self._clear_errors()
            raise SM2Error("OpenSSL SM2 signing failed")
        return signature_from_der(out.raw[: size.value])

    def _verify(self, public: bytes, data: bytes, signature: bytes, uid: bytes) -> bool:
        pkey = self._public(public)
        if pkey is None:
            return False
        der = signature_to_der(signature)
        ok = self._operate(
            self._verify_init,
            pkey,
            uid,
            lambda ctx: int(self._digest_verify(ctx, der, len(der), data, len(data))),
        )
        if ok != 1:
            self._clear_errors()
        return ok == 1


def _load_libcrypto(path: str | None) -> ctypes.CDLL:
    candidates = [path] if path else ["libcrypto.so.3", "libcrypto.3.dylib", ctypes.util.find_library("crypto")]
    errors: list[str] = []
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return ctypes.CDLL(candidate)
        except OSError as exc:
            errors.append(str(exc))
    raise OSError("libcrypto not found: " + "; ".join(errors))


class GmsslBackend(_Base):
    short = "gmssl"

    def __init__(self) -> None:
        from gmssl import sm2 as gm_sm2
        from gmssl import sm3 as gm_sm3

        self._gm_sm2, self._gm_sm3 = gm_sm2, gm_sm3
        try:
            version = importlib.metadata.version("gmssl")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        self.name = f"gmssl-{version} (pure Python)"
        self._g = f"{GX:064x}{GY:064x}"

    def sm3(self, data: bytes) -> bytes:
        return bytes.fromhex(self._gm_sm3.sm3_hash(list(data)))

    def _crypt(self, key: PrivateKey | None) -> Any:
        # Never pass a public key to CryptSM2's constructor: it drops a leading "04" with str.lstrip, which
        # also eats any 0 or 4 digits X starts with. Verification sets the attribute directly instead.
        return self._gm_sm2.CryptSM2(private_key=key.secret_bytes().hex() if key else "", public_key="")

    def _derive(self, key: PrivateKey) -> bytes:
        xy = self._crypt(key)._kg(int.from_bytes(key.secret_bytes(), "big"), self._g)
        return b"\x04" + bytes.fromhex(xy)

    def _e(self, public: bytes, data: bytes, uid: bytes) -> bytes:
        # Z is computed here rather than by gmssl's sign_with_sm3, which only knows the default ID.
        return self.sm3(_z(public, uid, self.sm3) + data)

    def _sign(self, key: PrivateKey, public: bytes, data: bytes, uid: bytes) -> bytes:
        crypt = key._handles.get(self.short)
        if crypt is None:
            crypt = key._handles[self.short] = self._crypt(key)
        e = self._e(public, data, uid)
        while True:
            # Our own nonce: gmssl's default one comes from the `random` module, which is predictable.
            k = secrets.randbelow(N - 1) + 1
            signature = cast(Any, crypt).sign(e, f"{k:064x}")
            if signature is not None:  # None: r = 0 or r + k = n or s = 0; try another k
                return bytes.fromhex(signature)

    def _verify(self, public: bytes, data: bytes, signature: bytes, uid: bytes) -> bool:
        crypt = self._crypt(None)
        crypt.public_key = public[1:].hex()
        return crypt.verify(signature.hex(), self._e(public, data, uid)) is True


# A widely published SM2 example on the recommended curve: this d, the default ID, "message digest" and
# k = 59276E27…BC21 give this r||s (gmssl reproduces it from k in the tests). Every backend must verify it,
# and refuse it altered, before it is used.
KNOWN_PRIVATE = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
KNOWN_PUBLIC = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
KNOWN_MESSAGE = b"message digest"
KNOWN_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
SM3_ABC = bytes.fromhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")  # GB/T 32905 A.1


def _self_test(candidate: _Base) -> None:
    tampered = KNOWN_SIGNATURE[:-1] + bytes([KNOWN_SIGNATURE[-1] ^ 1])
    if (
        candidate.sm3(b"abc") != SM3_ABC
        or not candidate.verify(KNOWN_PUBLIC, KNOWN_MESSAGE, KNOWN_SIGNATURE)
        or candidate.verify(KNOWN_PUBLIC, KNOWN_MESSAGE, tampered)
    ):
        raise SM2Error(f"{candidate.name} failed the SM2/SM3 known-answer test")


_BUILDERS: dict[str, Callable[[], _Base]] = {"openssl": OpenSSLBackend, "gmssl": GmsslBackend}
_built: dict[str, _Base] = {}
_build_lock = threading.Lock()


def backend(name: str | None = None) -> Backend:
    """The default backend, or the one named "openssl" or "gmssl" (built and self-tested on first use).

    Raises ``SM2Error`` for an unknown name, and ``OSError``/``ImportError``/``SM2Error`` if it cannot run here.
    """
    if name is None:
        return _default
    if name not in _BUILDERS:
        raise SM2Error(f"unknown SM2 backend {name!r}: choose one of {', '.join(_BUILDERS)}")
    with _build_lock:
        found = _built.get(name)
        if found is None:
            found = _BUILDERS[name]()
            _self_test(found)
            _built[name] = found
        return found


def available_backends() -> list[str]:
    """The backends that load and pass the self-test on this machine, preferred first."""
    names = []
    for name in _BUILDERS:
        try:
            backend(name)
        except (OSError, ImportError, AttributeError, SM2Error):
            continue
        names.append(name)
    return names


def _choose() -> _Base:
    forced = os.environ.get("ONETHING_SM2_BACKEND", "").strip().lower()
    if forced:
        return cast(_Base, backend(forced))
    try:
        return cast(_Base, backend("openssl"))
    except (OSError, AttributeError, SM2Error) as exc:
        # AttributeError: a libcrypto built without SM2 lacks some of the symbols.
        _log.warning("SM2/SM3 through pure-Python gmssl: OpenSSL libcrypto unusable (%s)", exc)
    return cast(_Base, backend("gmssl"))


_default = _choose()
BACKEND: str = _default.name


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest (GB/T 32905)."""
    return _default.sm3(data)


def generate_key() -> PrivateKey:
    """A new private key, d uniform in [1, n-2] from the operating system's CSPRNG."""
    return PrivateKey(_int32(secrets.randbelow(N - 2) + 1))


def public_key(key: PrivateKey) -> bytes:
    """The 65-byte public key 04||X||Y of ``key``."""
    return _default.public_key(key)


def sign(key: PrivateKey, data: bytes, uid: bytes = DEFAULT_ID) -> bytes:
    """The 64-byte signature r||s of ``data`` (SM3 with Z over ``uid``); randomised, so it differs every call."""
    return _default.sign(key, data, uid)


def verify(public: bytes, data: bytes, signature: bytes, uid: bytes = DEFAULT_ID) -> bool:
    """Whether ``signature`` (r||s) is ``public``'s over ``data`` and ``uid``. False for any malformed input."""
    return _default.verify(public, data, signature, uid)
