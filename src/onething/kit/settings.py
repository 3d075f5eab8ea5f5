"""Settings from the environment (prefix ``ONETHING_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONETHING_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/onething.db"
    catalog_path: Path | None = None  # default: the catalog shipped with the code
    calendar_fallback: Literal["weekends", "error"] = "weekends"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"
    db_pool_size: int = 10
    # How long a process trusts its idea of the active catalog version before asking the database
    # again. A newly loaded catalog reaches every process within this many seconds; 0 asks every time.
    catalog_check_seconds: float = 2.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
