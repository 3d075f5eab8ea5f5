"""Uploaded case materials: checked by their content, stored under their SHA-256.

``check_upload`` decides what a file is from its first bytes, then checks that it is what it claims
(``kit.filecheck``: a PDF parses without scripts or bombs, an image decodes); the filename and the
client's Content-Type are never trusted, and a name with control characters is refused. A ``FileStore``
is content-addressed: ``put`` returns the hex digest, storing the same bytes twice keeps one object, and
a digest is checked to be 64 lowercase hex digits before it becomes a path or a key, so it can never
point outside the store.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from onething.kit import filecheck
from onething.kit.errors import NotFound, ServiceUnavailable, ValidationFailed
from onething.kit.settings import Settings, get_settings
from onething.kit.validators import has_controls, strip_controls

log = logging.getLogger(__name__)
PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
MAX_FILENAME = 200
_DIGEST = re.compile(r"[0-9a-f]{64}")


def sniff(data: bytes) -> str | None:
    """The content type told by the magic bytes at the start of ``data``, or None if not one we accept."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    return None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.3g}"


def display_name(filename: str | None) -> str | None:
    """A stored file name as it may be shown: without the control characters ``check_upload`` refuses
    today, which rows stored before it did may still hold ("invoice\u202efdp.exe")."""
    return None if filename is None else strip_controls(filename)


def check_upload(data: bytes, filename: str, max_bytes: int, limits: filecheck.Limits | None = None) -> str:
    """The sniffed content type of an upload, or ``ValidationFailed`` on field "file" saying what is wrong.

    Opening the file (``kit.filecheck``) may take a while for a large PDF: call it before taking locks."""
    name = filename.strip()
    if not name:
        raise ValidationFailed("文件名不能为空", field="file", code="file_name")
    if len(name) > MAX_FILENAME:
        raise ValidationFailed(f"文件名不能超过 {MAX_FILENAME} 个字符", field="file", code="file_name")
    if has_controls(name):
        raise ValidationFailed(
            "文件名含有不可见的控制字符（如文字方向控制符或零宽字符），请重命名后上传", field="file", code="file_name"
        )
    if not data:
        raise ValidationFailed("文件是空的，请重新选择文件", field="file", code="file_empty")
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"文件大小为 {_mb(len(data))} MB，不能超过 {_mb(max_bytes)} MB", field="file", code="file_too_large"
        )
    content_type = sniff(data)
    if content_type is None:
        raise ValidationFailed("仅支持 PDF、JPEG、PNG 格式", field="file", code="file_type")
    filecheck.check_content(data, content_type, limits or filecheck.Limits.of(get_settings()))
    return content_type


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_digest(value: str) -> bool:
    return _DIGEST.fullmatch(value) is not None


def _checked(digest: str) -> str:
    if not is_digest(digest):
        raise ValidationFailed("文件标识格式不正确", field="file", code="file_digest")
    return digest


def _not_found() -> NotFound:
    return NotFound("文件不存在或已被删除", field="file", code="file_not_found")


def _key(digest: str) -> str:
    return f"{digest[:2]}/{digest[2:4]}/{digest}"


class FileStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data``; its SHA-256 hex digest. Idempotent."""
        ...

    def get(self, digest: str) -> bytes:
        """The stored bytes; ``NotFound`` (code file_not_found) if there are none."""
        ...

    def exists(self, digest: str) -> bool: ...


class LocalFileStore:
    """Files under ``root/ab/cd/<digest>``. Several processes may share ``root``: each file appears whole
    (written to a temporary file in the same directory, flushed, then renamed over) or not at all."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def path(self, digest: str) -> Path:
        d = _checked(digest)
        return self.root / d[:2] / d[2:4] / d

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        try:
            self._write(target, data, digest)
        except OSError as exc:
            # A full or read-only disk is the platform's trouble, not the applicant's: a clear 503, and the
            # caller's transaction rolls back, so no case refers to a file that is not there.
            log.error("file store write failed: %s", exc.__class__.__name__)
            raise ServiceUnavailable(
                "材料存储暂时不可用，本次提交未生效，请稍后重试", field="file", code="store_unavailable"
            ) from None
        return digest

    @staticmethod
    def _write(target: Path, data: bytes, digest: str) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{digest[:16]}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            # Atomic on POSIX and Windows; a concurrent writer of the same digest renames identical bytes.
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise _not_found() from None

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; directories cannot be opened for this on Windows."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3FileStore:
    """Objects ``<ab>/<cd>/<digest>`` in an S3-compatible bucket. boto3 is imported only here, so the rest
    of the module works without it. Unset keys use boto3's credential chain (environment, profile, role)."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        options: dict[str, Any] = {}
        if endpoint_url:
            # Other S3 implementations: bucket in the path rather than the host name, and checksums only
            # where the S3 API requires them (boto3 ≥ 1.36 otherwise sends CRC32 trailers not all support).
            options = {
                "s3": {"addressing_style": "path"},
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
            }
        self.bucket = bucket
        self._client_error: type[Exception] = ClientError
        self._transport_error: type[Exception] = BotoCoreError
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(**options),
        )

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        if not self.exists(digest):
            with self._answering("put"):
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=_key(digest),
                    Body=data,
                    ContentType=sniff(data) or "application/octet-stream",
                )
        return digest

    def get(self, digest: str) -> bytes:
        key = _key(_checked(digest))
        with self._answering("get"):
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=key)
            except self._client_error as exc:
                if _is_missing(exc):
                    raise _not_found() from None
                raise
            body = response["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

    def exists(self, digest: str) -> bool:
        key = _key(_checked(digest))
        with self._answering("head"):
            try:
                self._client.head_object(Bucket=self.bucket, Key=key)
            except self._client_error as exc:
                if _is_missing(exc):
                    return False
                raise
        return True

    @contextmanager
    def _answering(self, operation: str) -> Iterator[None]:
        """The store's own trouble (unreachable, refused, no such bucket) is the platform's, not the
        applicant's: logged with its S3 error code, answered 503 ``store_unavailable``; the request's
        transaction rolls back."""
        try:
            yield
        except (self._client_error, self._transport_error) as exc:
            response = getattr(exc, "response", None)
            code = response.get("Error", {}).get("Code") if isinstance(response, dict) else type(exc).__name__
            log.error("S3 store %s failed: %s", operation, code)
            raise ServiceUnavailable(
                "材料存储暂时不可用，本次操作未生效，请稍后重试", field="file", code="store_unavailable"
            ) from None


def _is_missing(exc: Exception) -> bool:
    """A botocore ClientError for a missing object: HEAD answers a bare 404, GET says NoSuchKey. A missing
    bucket (NoSuchBucket) is a misconfiguration and is not hidden as a missing file."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    return str(response.get("Error", {}).get("Code", "")) in {"404", "NoSuchKey", "NotFound"}


def file_store(settings: Settings | None = None) -> FileStore:
    """The configured store. Without ``settings``, one store per process (a boto3 client is costly to make
    and safe to share between threads)."""
    if settings is None:
        return _default_store()
    if settings.files_backend == "s3":
        if not settings.s3_bucket:
            raise RuntimeError("ONETHING_FILES_BACKEND=s3 needs ONETHING_S3_BUCKET")
        return S3FileStore(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    return LocalFileStore(settings.files_dir)


@lru_cache(maxsize=1)
def _default_store() -> FileStore:
    return file_store(get_settings())
