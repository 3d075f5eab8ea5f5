"""Where a run keeps its answers: the data snapshot it read, and every flag it computed.

- The snapshot: every enterprise's attributes in credit-code order, a directory of Parquet parts named by the
  SHA-256 of its content, so runs over the same data share it and "as of which data" is a digest. It is written
  batch by batch as the database returns them (``SnapshotWriter``), so a province never sits in memory.
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
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl

from onething.policies.bulk import KEY, evaluate, result_columns
from onething.policies.engine import Policy
from onething.policies.frame import attributes_frame

PART: Final = 262_144
ROW_GROUP: Final = 65_536


class SnapshotWriter:
    """Takes the attributes in batches, in credit-code order; ``finish`` names the directory by its digest."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.tmp = directory / f"snapshot-writing-{uuid.uuid4().hex[:12]}"
        self.tmp.mkdir(parents=True)
        self.sha = hashlib.sha256()
        self.parts = 0
        self.rows = 0
        self.last: str | None = None
        self.schema: pl.Schema | None = None

    def add(self, batch: pl.DataFrame) -> None:
        self.schema = self.schema or batch.schema
        if not batch.height:
            return
        keys = batch[KEY]
        if not keys.is_sorted() or (self.last is not None and str(keys[0]) <= self.last):
            raise ValueError("snapshot batches must come in credit-code order")
        self.sha.update(batch.hash_rows(seed=0).to_numpy().tobytes())
        batch.write_parquet(self.tmp / f"part-{self.parts:05d}.parquet", row_group_size=ROW_GROUP, compression="zstd")
        self.parts, self.rows, self.last = self.parts + 1, self.rows + batch.height, str(keys[-1])

    def finish(self) -> tuple[Path, str]:
        if self.parts == 0 and self.schema is not None:  # no enterprise at all: an empty part keeps the columns
            pl.DataFrame(schema=self.schema).write_parquet(self.tmp / "part-00000.parquet")
        digest = self.sha.hexdigest()
        final = self.directory / f"snapshot-{digest}"
        if final.exists():
            shutil.rmtree(self.tmp)  # the same data was kept by an earlier run
        else:
            self.tmp.rename(final)  # readers never see half a snapshot
        return final, digest

    def abandon(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_snapshot(frame: pl.DataFrame, directory: Path) -> tuple[Path, str]:
    """A whole frame as a snapshot (the bench; tests): sorted if it is not, written a part at a time."""
    if not frame[KEY].is_sorted():  # a sorted list-of-strings column writes ~30× slower until compacted
        licenses = pl.col("licenses").cast(pl.List(pl.Categorical)).cast(pl.List(pl.String))
        frame = frame.sort(KEY).with_columns(licenses)
    writer = SnapshotWriter(directory)
    for offset in range(0, frame.height, PART):
        writer.add(frame.slice(offset, PART))
    if not frame.height:
        writer.add(frame)
    return writer.finish()


def scan_snapshot(path: Path) -> pl.LazyFrame:
    """A snapshot directory, or one Parquet file of attributes in credit-code order (the bench's input)."""
    return pl.scan_parquet(sorted(path.glob("part-*.parquet")) if path.is_dir() else path)


def write_results(
    snapshot: Path,
    policies: Sequence[Policy],
    day: dt.date,
    directory: Path,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Evaluate ``policies`` over the snapshot part by part; returns the first credit code of each part."""
    directory.mkdir(parents=True, exist_ok=True)
    source = scan_snapshot(snapshot)
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
    rows = scan_snapshot(path).filter(pl.col(KEY) == credit_code).collect()
    return rows.row(0, named=True) if rows.height else None
