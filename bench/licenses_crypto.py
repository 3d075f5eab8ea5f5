"""SM2 signs/verifies per second and SM3 throughput for each backend, against `openssl speed sm2` run alongside."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable

from common import machine

from onething.kit import sm2

MESSAGE = b"x" * 512  # about the size of a license's canonical JSON


def _rate(action: Callable[[], object], seconds: float) -> float:
    """Operations per second of ``action`` over at least ``seconds`` (after one warm-up call)."""
    action()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(10):
            action()
        count += 10
    return count / elapsed


def _backend_figures(name: str, seconds: float, sm3_bytes: int) -> dict[str, float]:
    backend = sm2.backend(name)
    key = sm2.generate_key()
    public = backend.public_key(key)
    signature = backend.sign(key, MESSAGE)
    block = bytes(range(256)) * (sm3_bytes // 256)
    sm3_per_s = _rate(lambda: backend.sm3(block), seconds)
    return {
        "signs_per_s": round(_rate(lambda: backend.sign(key, MESSAGE), seconds), 1),
        "verifies_per_s": round(_rate(lambda: backend.verify(public, MESSAGE, signature), seconds), 1),
        "sm3_mb_per_s": round(sm3_per_s * len(block) / 1e6, 2),
        "sm3_block_bytes": len(block),
    }


_SPEED_LINE = re.compile(r"SM2 \(CurveSM2\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)")


def openssl_speed(seconds: int = 3) -> dict[str, float] | None:
    """sign/s and verify/s from `openssl speed -seconds N sm2` (OpenSSL 3 prints both for SM2), or None
    without the CLI or when its output cannot be read."""
    cli = shutil.which("openssl")
    if cli is None:
        return None
    out = subprocess.run([cli, "speed", "-seconds", str(seconds), "sm2"], capture_output=True, text=True, check=True)
    found = _SPEED_LINE.search(out.stdout)
    if found is None:
        return None
    return {"signs_per_s": float(found[1]), "verifies_per_s": float(found[2])}


def main(seconds: float = 3.0) -> dict[str, object]:
    backends: dict[str, dict[str, object]] = {}
    figures: dict[str, dict[str, float]] = {}
    for name in sm2.available_backends():
        # gmssl is pure Python: a short SM3 block keeps its run to seconds.
        figures[name] = _backend_figures(name, seconds, 1 << 20 if name == "openssl" else 1 << 14)
        backends[name] = {"name": sm2.backend(name).name, **figures[name]}
    cli = shutil.which("openssl")
    version = subprocess.run([cli, "version"], capture_output=True, text=True).stdout.strip() if cli else None
    reference = openssl_speed(max(1, round(seconds)))
    ours = figures.get("openssl")
    ratio = {op: round(ours[op] / reference[op], 3) for op in reference} if ours and reference else None
    return {
        "benchmark": "licenses_crypto",
        "default_backend": sm2.BACKEND,
        "message_bytes": len(MESSAGE),
        "seconds_per_figure": seconds,
        "backends": backends,
        "openssl_speed_sm2": {"cli": version, **reference} if reference else None,
        "ratio_openssl_backend_to_openssl_speed": ratio,
        "note": "single thread; openssl speed signs 20 bytes, we sign 512 (SM3 of the message is a small share)",
        "machine": machine(),
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
