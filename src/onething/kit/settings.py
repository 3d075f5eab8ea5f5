"""Settings from the environment (prefix ``ONETHING_``) or a ``.env`` file."""

from __future__ import annotations

import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONETHING_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/onething.db"
    catalog_path: Path | None = None  # default: the catalog shipped with the code
    calendar_fallback: Literal["weekends", "error"] = "weekends"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    log_format: Literal["json", "text"] = "json"  # json: one object a line on stderr (kit.logs)
    # Strict-Transport-Security max-age, sent only when the site is served over HTTPS; 0: no header.
    hsts_seconds: int = 0
    timezone: str = "Asia/Shanghai"  # what "today" and a day's boundaries mean to people
    # Connections per process; as many again may open for logins and background jobs. At most
    # db_request_slots requests (0: db_pool_size) of a process use the database at once; the others
    # queue for up to db_queue_seconds, then get 503 busy (kit.web.RequestSlots).
    db_pool_size: int = 10
    db_request_slots: int = 0
    db_queue_seconds: float = 10.0
    # How long a process trusts its idea of the active catalog version before asking the database
    # again. A newly loaded catalog reaches every process within this many seconds; 0 asks every time.
    catalog_check_seconds: float = 2.0
    # A supervisor's case statistics (办件监察) are computed at most this often per scope and process;
    # each answer says when it was computed (as_of). 0: every request.
    stats_cache_seconds: float = 60.0

    # Signing key for cookies and CSRF tokens. Unset: generated once into var/secret.key, which every
    # process on the machine shares; several machines must be given the same value.
    secret_key: str | None = None
    secret_key_file: Path = Path("var/secret.key")
    cookie_secure: bool = False  # set true behind HTTPS
    session_hours: float = 8.0  # a web session ends this long after login …
    session_idle_minutes: float = 30.0  # … or after this long without a request
    token_hours: float = 24.0  # bearer tokens, unless the client asks for less
    # Password logins (identity.login): nothing locks an account. After login_free_failures failed
    # attempts (remembered login_failure_memory_hours) each new attempt at that account waits twice as
    # long as the last, up to login_max_delay_seconds; a device that has signed in to it before skips
    # the wait. One address may fail login_ip_failure_burst times at once, then login_ip_failures_per_minute.
    login_free_failures: int = 5
    login_max_delay_seconds: float = 300.0
    login_failure_memory_hours: float = 24.0
    login_ip_failure_burst: int = 10
    login_ip_failures_per_minute: float = 10.0
    # A throttled address's next attempt is answered this late (identity.login_gate): a timer, no CPU,
    # so a flood that waits for its answers makes one attempt per connection per hold.
    login_refusal_hold_seconds: float = 2.0
    # Hashing runs in its own bounded pool, never in a transaction: 0 = one thread per two cores per
    # worker process (at least one), so logins can never take every core. Beyond the queue: 503 at once.
    password_hash_threads: int = 0
    password_hash_queue: int = 16
    password_hash_nice: int = 10  # the hashing threads' lower CPU priority (Linux; 0 = as requests)
    # Addresses of reverse proxies whose X-Forwarded-For is believed (empty: none, not even loopback).
    trusted_proxies: list[str] = []
    login_window_minutes: float = 15.0  # the /progress lookup's window (cases.progress)
    # argon2id cost: time and memory as argon2-cffi's defaults (RFC 9106 low-memory profile), but one
    # lane: with four, every hash ran on every core at once, and a burst of wrong passwords stalled all
    # other requests however small the hashing pool. A stored hash keeps its own lanes until the
    # owner's next login re-hashes it.
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    password_parallelism: int = 1
    # 统一身份认证 over OpenID Connect; unset: only local accounts.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile"
    oidc_id_number_claim: str = "id_number"
    oidc_name_claim: str = "name"
    oidc_label: str = "湖南省统一身份认证"

    # Uploaded case materials (kit.files), stored by their SHA-256. "local": under files_dir, which every
    # process must share; "s3": an S3-compatible bucket (MinIO, Ceph, a cloud's object storage).
    # Unset S3 keys fall back to boto3's usual credential chain.
    files_backend: Literal["local", "s3"] = "local"
    files_dir: Path = Path("var/files")
    upload_max_bytes: int = 10 * 1024 * 1024
    # What an upload may become once opened (kit.files.check_upload): a PDF's streams inflated together,
    # its pages, an image's pixels (in a PDF or alone). Beyond them it is refused as a likely bomb.
    upload_inflate_max_bytes: int = 256 * 1024 * 1024
    upload_max_pages: int = 500
    upload_max_pixels: int = 50_000_000
    seals_dir: Path = Path("var/seals")  # private seal keys, one PEM per key (never in the database)
    public_url: str = "http://127.0.0.1:8000"  # printed in the QR code of every license
    # The public license check (no login), per client address and process: a burst, then this rate.
    verify_per_minute: float = 30.0
    verify_burst: int = 10
    upload_batch_max_files: int = 20  # files in one multi-file upload request
    request_max_bytes: int = 1024 * 1024  # any other request body (JSON, forms)
    # 好差评: a rating is taken until this many working days after the service ends; then the
    # occasion counts as not rated, or as 满意 where the province's rules say so (reported apart).
    # Benefit policies (免申即享): the YAML (default: shipped with the code) and where runs store their
    # per-condition results (Parquet). Every app process must see this directory: a shared volume.
    policies_path: Path | None = None
    policy_runs_dir: Path = Path("var/policy-runs")
    evaluation_window_days: int = 10
    evaluation_default_good: bool = False
    rerate_window_days: int = 5  # 追评 after the answer to a bad review
    rectification_callback_days: int = 1  # call back and verify a bad review
    rectification_days: int = 15  # rectify and answer the rater, from the bad review
    # 红黄牌: yellow when this many working days or fewer are left (by the level of the org that holds
    # the deadline; rectification steps by step), red when overdue.
    warning_yellow_days: dict[str, int] = {"province": 1, "city": 1, "county": 1, "township": 1, "village": 1}
    rectification_yellow_days: dict[str, int] = {"callback": 0, "rectify": 3}
    supervision_interval_seconds: float = 60.0
    # Where notifications go: "log" (the application log), "webhook" (POST JSON to notify_webhook_url,
    # e.g. an SMS or 政务微信 gateway), "smtp" (mail to smtp_to, the 电子监察 mailbox).
    notify_sender: Literal["log", "webhook", "smtp"] = "log"
    notify_webhook_url: str | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "onething@localhost"
    smtp_to: str = "supervision@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    s3_endpoint_url: str | None = None  # unset: AWS itself
    s3_bucket: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def secret_key(settings: Settings | None = None) -> bytes:
    """The signing key: from the settings, else from the key file (created on first use)."""
    s = settings or get_settings()
    if s.secret_key:
        return s.secret_key.encode()
    return _key_from_file(s.secret_key_file.resolve())


@lru_cache(maxsize=4)
def _key_from_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when two processes start at once, one writes and the other reads its key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key.encode()
        time.sleep(0.01)  # the other process is still writing it
    raise RuntimeError(f"{path} is empty")


def shipped_data(name: str) -> Path:
    """A data directory that ships with the code (``catalog``, ``policies``): inside a built wheel under
    ``onething/_data``, else at the root of a source checkout."""
    package = Path(__file__).resolve().parents[1]
    shipped = package / "_data" / name
    return shipped if shipped.is_dir() else package.parents[1] / name
