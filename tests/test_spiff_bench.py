"""The SpiffWorkflow baseline benchmark runs the process it claims to: every branch visited, join waits for all."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("SpiffWorkflow")

BENCH = Path(__file__).resolve().parents[1] / "bench" / "spiff_parallel.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spiff_parallel", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("spiff_parallel", module)
    spec.loader.exec_module(module)
    return module


sp = _bench()


def test_lifecycle_visits_every_branch_and_run_counts() -> None:
    spec = sp.parse(3)
    done = sp.lifecycle(spec)
    branches = ["approve_1", "approve_2", "approve_3"]
    assert sorted(done) == sorted(["submit", "accept", "deliver", *branches])  # each exactly once
    assert done[:2] == ["submit", "accept"]
    assert done[-1] == "deliver"
    assert set(done[2:-1]) == set(branches)

    # The join really waits: "deliver" is not ready until the last approval is done.
    ready_state = sp.TaskState.READY
    wf = sp.BpmnWorkflow(spec)
    wf.do_engine_steps()
    for name in ["submit", "accept", *branches]:
        ready = {t.task_spec.name: t for t in wf.get_tasks(state=ready_state, manual=True)}
        assert "deliver" not in ready
        ready[name].run()
        wf.do_engine_steps()
    assert [t.task_spec.name for t in wf.get_tasks(state=ready_state, manual=True)] == ["deliver"]

    result = sp.run(branches=3, seconds=0.2)
    assert result["lifecycles"] > 0
    assert result["branches"] == 3
    assert result["engine"].startswith("SpiffWorkflow 3.")
    assert result["median_ms"] > 0
