"""Where a run keeps its answers: the data snapshot it read, and every flag it computed.

- The snapshot: every enterprise's attributes, one Parquet file sorted by credit code, named by the SHA-256 of
  its content, so runs over the same data share it and "as of which data" is a digest.
- The results: the bulk evaluator's columns (every condition's flag, each policy's outcome and amount) in
  parts of ``PART`` enterprises, Arrow IPC files in credit-code order. The first credit code of each part is the
  run's index: one enterprise's "why / why not" reads one part (tens of milliseconds at 6 M enterprises).
  Parts are written one after another, so memory stays bounded by a part, not by the province.
  *Why Arrow IPC and not Parquet:* measured on 1 M enterprises × 170 conditions, Polars writes the flags as
  IPC in about a third of the time Parquet takes (see bench/policies.py); the snapshot, written once per data
  set and read by column, stays Parquet.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl

from onething.policies.bulk import KEY, evaluate, result_columns
from onething.policies.engine import Policy
from onething.policies.frame import attributes_frame

PART: Final = 262_144
ROW_GROUP: Final = 65_536


def write_snapshot(frame: pl.DataFrame, directory: Path) -> tuple[Path, str]:
    """The attributes, sorted by credit code, as ``<sha256>.parquet`` (kept if already there)."""
    if frame[KEY].is_sorted():  # as the snapshot query returns it: sorting again costs seconds and GBs at 6 M
        ordered = frame
    else:  # a sorted list-of-strings column writes ~30× slower until compacted (measured at 6 M)
        licenses = pl.col("licenses").cast(pl.List(pl.Categorical)).cast(pl.List(pl.String))
        ordered = frame.sort(KEY).with_columns(licenses)
    digest = hashlib.sha256(ordered.hash_rows(seed=0).to_numpy().tobytes()).hexdigest()
    path = directory / f"snapshot-{digest}.parquet"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        ordered.write_parquet(tmp, row_group_size=ROW_GROUP, statistics=True, compression="zstd")
        tmp.replace(path)  # readers never see half a file
    return path, digest


def write_results(
    snapshot: Path,
    policies: Sequence[Policy],
    day: dt.date,
    directory: Path,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Evaluate ``policies`` over the snapshot part by part; returns the first credit code of each part."""
    directory.mkdir(parents=True, exist_ok=True)
    source = pl.scan_parquet(snapshot)
    total = int(source.select(pl.len()).collect().item())
    columns = result_columns(policies)
    firsts: list[str] = []
    for index, offset in enumerate(range(0, total, PART)):
        part = evaluate(attributes_frame(source.slice(offset, PART), day), policies, day).select(columns).collect()
        firsts.append(str(part[KEY][0]))
        part.write_ipc(directory / f"part-{index:05d}.arrow", compression="lz4")
        if progress:
            progress(offset + part.height, total)
    return firsts


def scan_results(directory: Path) -> pl.LazyFrame:
    return pl.scan_ipc(sorted(directory.glob("part-*.arrow")))


def result_row(directory: Path, firsts: Sequence[str], credit_code: str) -> dict[str, Any] | None:
    index = bisect.bisect_right(list(firsts), credit_code) - 1
    if index < 0:
        return None
    rows = pl.scan_ipc(directory / f"part-{index:05d}.arrow").filter(pl.col(KEY) == credit_code).collect()
    return rows.row(0, named=True) if rows.height else None


def snapshot_row(path: Path, credit_code: str) -> dict[str, Any] | None:
    rows = pl.scan_parquet(path).filter(pl.col(KEY) == credit_code).collect()
    return rows.row(0, named=True) if rows.height else None
