"""Uploaded case materials: content sniffing, upload checks, the local and the S3 content-addressed stores."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy.orm import Session
from test_uploads_content import jpeg, pdf

from onething.demo.cases import png
from onething.kit.errors import NotFound, ServiceUnavailable, ValidationFailed
from onething.kit.files import LocalFileStore, S3FileStore, check_upload, file_store, sniff
from onething.kit.settings import Settings

# Real files: check_upload opens them (kit.filecheck), so a bare magic number is no longer enough.
PDF = pdf()
JPEG = jpeg()
PNG = png(1)
MB = 1024 * 1024


def _store_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- sniffing and upload checks ---


@pytest.mark.parametrize(("data", "expected"), [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png")])
def test_sniff_knows_each_accepted_type(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",  # Windows .exe
        b"PK\x03\x04\x14\x00\x06\x00",  # ZIP (and docx/xlsx)
        b"\x7fELF\x02\x01\x01\x00",
        b"GIF89a\x01\x00\x01\x00",
        "申请书：本人申请……".encode(),
        b"hello %PDF-1.7",  # the magic must come first
        b"%PDF",  # too short to be a PDF header
        b"\xff\xd8",  # half a JPEG marker
        b"\x89PNG\r\n",  # truncated PNG signature
        b"",
    ],
)
def test_sniff_refuses_everything_else(data: bytes) -> None:
    assert sniff(data) is None


@pytest.mark.parametrize("data", [b"MZ\x90\x00\x03\x00", b"PK\x03\x04\x14\x00", b"just some text\n"])
def test_a_renamed_file_is_refused_whatever_its_name(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_upload(data, "营业执照.pdf", 10 * MB)
    assert err.value.code == "file_type"
    assert err.value.field == "file"
    assert err.value.message == "仅支持 PDF、JPEG、PNG 格式"


def test_the_type_comes_from_the_content_not_the_name() -> None:
    assert check_upload(PDF, "scan.exe", 10 * MB) == "application/pdf"
    assert check_upload(PNG, "photo.jpg", 10 * MB) == "image/png"
    assert check_upload(JPEG, "无扩展名", 10 * MB) == "image/jpeg"


def test_size_limit_boundary() -> None:
    limit = 10 * MB
    exactly = PDF + b"\0" * (limit - len(PDF))
    assert len(exactly) == limit
    assert check_upload(exactly, "a.pdf", limit) == "application/pdf"
    with pytest.raises(ValidationFailed) as err:
        check_upload(exactly + b"\0", "a.pdf", limit)
    assert err.value.code == "file_too_large"
    assert err.value.field == "file"
    assert err.value.status == 422
    assert "不能超过 10 MB" in err.value.message


def test_size_limit_message_states_a_fractional_limit() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_upload(PDF + b"\0" * (2 * MB), "a.pdf", MB + MB // 2)
    assert "不能超过 1.5 MB" in err.value.message


def test_empty_file_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_upload(b"", "a.pdf", 10 * MB)
    assert err.value.code == "file_empty"
    assert err.value.field == "file"


@pytest.mark.parametrize("name", ["", "   ", "a" * 196 + ".pdf" + "x"])
def test_empty_or_overlong_filename_is_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_upload(PDF, name, 10 * MB)
    assert err.value.code == "file_name"
    assert err.value.field == "file"


def test_a_filename_of_exactly_200_characters_is_fine() -> None:
    name = "申" * 196 + ".pdf"
    assert len(name) == 200
    assert check_upload(PDF, name, 10 * MB) == "application/pdf"


# --- the local store ---


def test_local_put_is_content_addressed_and_stored_once(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    digest = store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert store.put(PDF) == digest
    assert _store_files(tmp_path) == [tmp_path / digest[:2] / digest[2:4] / digest]
    assert store.get(digest) == PDF
    assert store.exists(digest)

    other = store.put(PNG)
    assert other != digest
    assert store.get(other) == PNG
    assert len(_store_files(tmp_path)) == 2


def test_local_get_of_unknown_digest_is_not_found(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    unknown = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(unknown)
    with pytest.raises(NotFound) as err:
        store.get(unknown)
    assert err.value.code == "file_not_found"
    assert err.value.status == 404


BAD_DIGESTS = [
    "../../etc/passwd",
    "../" * 21 + "x",  # 64 characters, still not hex
    "/etc/passwd",
    "",
    "A" * 64,  # uppercase
    "a" * 63,
    "a" * 65,
    "a" * 64 + "\n",
    "g" * 64,
    "ab/cd/" + "a" * 58,
]


@pytest.mark.parametrize("digest", BAD_DIGESTS)
def test_local_store_refuses_malformed_digests(tmp_path: Path, digest: str) -> None:
    root = tmp_path / "store"
    store = LocalFileStore(root)
    for call in (store.get, store.exists):
        with pytest.raises(ValidationFailed) as err:
            call(digest)
        assert err.value.code == "file_digest"
    assert not root.exists()  # nothing was created or looked up under the root


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalFileStore(tmp_path)

    def fail(self: Path, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(ServiceUnavailable) as refused:  # the platform's trouble: a clear 503, not a crash
        store.put(PDF)
    assert refused.value.code == "store_unavailable"
    assert _store_files(tmp_path) == []
    assert not store.exists(hashlib.sha256(PDF).hexdigest())


def test_concurrent_puts_of_the_same_content_leave_one_whole_file(tmp_path: Path) -> None:
    # Each round: eight writers store the same fresh 2 MB while a reader waits for the file to appear;
    # whatever the reader sees must be complete, and one file must remain without temporary files.
    store = LocalFileStore(tmp_path)
    writers = 8
    for _ in range(5):
        data = b"%PDF-" + os.urandom(2 * MB)
        digest = hashlib.sha256(data).hexdigest()
        barrier = threading.Barrier(writers + 1)
        results: list[str] = []
        seen: list[bytes] = []
        errors: list[BaseException] = []

        def write(
            data: bytes = data,
            barrier: threading.Barrier = barrier,
            results: list[str] = results,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait()
                results.append(store.put(data))
            except BaseException as exc:
                errors.append(exc)

        def read(
            digest: str = digest,
            barrier: threading.Barrier = barrier,
            seen: list[bytes] = seen,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait()
                deadline = time.monotonic() + 30
                while not store.exists(digest):
                    assert time.monotonic() < deadline, "the file never appeared"
                seen.append(store.get(digest))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write) for _ in range(writers)] + [threading.Thread(target=read)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        assert results == [digest] * writers
        assert [len(s) for s in seen] == [len(data)]
        assert seen[0] == data
        assert store.get(digest) == data
    assert len(_store_files(tmp_path)) == 5  # five rounds, five files, no leftovers


# --- the S3 store, against a real S3-compatible server (moto) on a loopback port ---

KEY_ID, SECRET = "test-access-key", "test-secret-key"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, region_name="us-east-1"
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"materials-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(s3_endpoint: str, bucket: str) -> S3FileStore:
    return S3FileStore(bucket, s3_endpoint, KEY_ID, SECRET, "us-east-1")


def _count_calls(store: S3FileStore, *operations: str) -> list[str]:
    """Operations the store's client sends from now on, among ``operations``."""
    calls: list[str] = []
    for operation in operations:

        def record(operation: str = operation, **kwargs: Any) -> None:
            calls.append(operation)

        store._client.meta.events.register(f"before-call.s3.{operation}", record)
    return calls


def test_s3_put_get_exists(s3_store: S3FileStore, s3_endpoint: str, bucket: str) -> None:
    digest = s3_store.put(JPEG)
    assert digest == hashlib.sha256(JPEG).hexdigest()
    assert s3_store.exists(digest)
    assert s3_store.get(digest) == JPEG
    # The object really is on the server, under <ab>/<cd>/<digest>, with the sniffed type: ask it with a
    # client of our own.
    obj = _client(s3_endpoint).get_object(Bucket=bucket, Key=f"{digest[:2]}/{digest[2:4]}/{digest}")
    assert obj["Body"].read() == JPEG
    assert obj["ContentType"] == "image/jpeg"


def test_s3_put_is_idempotent_and_skips_a_second_upload(s3_store: S3FileStore) -> None:
    puts = _count_calls(s3_store, "PutObject")
    first = s3_store.put(PDF)
    second = s3_store.put(PDF)
    assert first == second
    assert len(puts) == 1
    listed = s3_store._client.list_objects_v2(Bucket=s3_store.bucket)
    assert [o["Key"] for o in listed["Contents"]] == [f"{first[:2]}/{first[2:4]}/{first}"]


def test_s3_unknown_digest(s3_store: S3FileStore) -> None:
    unknown = hashlib.sha256(b"never stored").hexdigest()
    assert not s3_store.exists(unknown)
    with pytest.raises(NotFound) as err:
        s3_store.get(unknown)
    assert err.value.code == "file_not_found"


def test_s3_missing_bucket_is_not_a_missing_file(s3_endpoint: str, caplog: pytest.LogCaptureFixture) -> None:
    # A misconfiguration is the platform's trouble: a 503, logged with S3's own code, never a 404.
    # (A HEAD answers a bare 404 either way, so exists() can only say no; get and put say why.)
    store = S3FileStore("no-such-bucket-here", s3_endpoint, KEY_ID, SECRET)
    with caplog.at_level(logging.ERROR), pytest.raises(ServiceUnavailable) as err:
        store.get(hashlib.sha256(PDF).hexdigest())
    assert err.value.code == "store_unavailable"
    assert "NoSuchBucket" in caplog.text
    with pytest.raises(ServiceUnavailable):
        store.put(PDF)


def test_an_unreachable_s3_store_is_a_503(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{s.getsockname()[1]}"
    store = S3FileStore("materials", endpoint, KEY_ID, SECRET)
    with caplog.at_level(logging.ERROR), pytest.raises(ServiceUnavailable) as err:
        store.put(PDF)
    assert err.value.code == "store_unavailable" and err.value.status == 503
    assert "EndpointConnectionError" in caplog.text


@pytest.mark.parametrize("digest", ["../../etc/passwd", "A" * 64, "a" * 63])
def test_s3_store_refuses_malformed_digests(s3_store: S3FileStore, digest: str) -> None:
    calls = _count_calls(s3_store, "HeadObject", "GetObject")
    for call in (s3_store.get, s3_store.exists):
        with pytest.raises(ValidationFailed):
            call(digest)
    assert calls == []


# --- settings and the factory ---


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONETHING_FILES_DIR", raising=False)  # the test suite points it at a scratch dir
    s = Settings(_env_file=None)
    assert s.files_backend == "local"
    assert s.files_dir == Path("var/files")
    assert s.upload_max_bytes == 10 * MB
    assert s.s3_bucket is None
    assert s.s3_region == "us-east-1"


def test_factory_builds_a_local_store(tmp_path: Path) -> None:
    store = file_store(Settings(_env_file=None, files_dir=tmp_path / "files"))
    assert isinstance(store, LocalFileStore)
    digest = store.put(PNG)
    assert (tmp_path / "files" / digest[:2] / digest[2:4] / digest).read_bytes() == PNG


def test_factory_refuses_s3_without_a_bucket() -> None:
    with pytest.raises(RuntimeError, match="ONETHING_S3_BUCKET"):
        file_store(Settings(_env_file=None, files_backend="s3"))


def test_factory_builds_an_s3_store(s3_endpoint: str, bucket: str) -> None:
    settings = Settings(
        _env_file=None,
        files_backend="s3",
        s3_bucket=bucket,
        s3_endpoint_url=s3_endpoint,
        s3_access_key=KEY_ID,
        s3_secret_key=SECRET,
    )
    store = file_store(settings)
    assert isinstance(store, S3FileStore)
    digest = store.put(PDF)
    assert store.get(digest) == PDF


def test_module_imports_without_boto3() -> None:
    code = "import sys; sys.modules['boto3'] = None; import onething.kit.files as f; print(f.sniff(b'%PDF-1'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "application/pdf"


def test_a_store_that_cannot_write_is_a_503_and_no_half_case(
    client: TestClient,
    db: Session,
    login: Callable[[str], dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full or read-only disk (here: the store's directory is a file, which even root cannot write
    under) refuses the upload with a clear 503 and leaves the case as it was."""
    from cases_support import AGENT, draft, snapshot, upload

    from onething.kit import files

    headers = login(AGENT)
    detail = draft(client, headers)
    number = detail["number"]
    code = next(m["code"] for m in detail["needed_materials"] if m["exempt"] != "bundle")
    blocked = tmp_path / "not-a-directory"
    blocked.write_bytes(b"")
    monkeypatch.setattr(files, "_default_store", lambda: files.LocalFileStore(blocked / "files"))
    before = snapshot(db)
    r = upload(client, headers, number, code, png(7))
    assert r.status_code == 503, r.text
    assert r.json()["error"] == {
        "code": "store_unavailable",
        "message": "材料存储暂时不可用，本次提交未生效，请稍后重试",
        "field": "file",
    }
    assert snapshot(db) == before
