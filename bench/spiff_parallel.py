"""Baseline for the case-lifecycle benchmark: the parallel-approval process run in SpiffWorkflow, in memory.

One lifecycle: start → submit → accept (window acceptance) → parallel split into N department approvals →
parallel join → deliver → end. The BPMN is generated for N branches and parsed once; each lifecycle
instantiates a workflow from the parsed spec and completes the ready user tasks one at a time, running the
engine after each.
No database and no serialisation: this is the engine's own cost, the floor for anything persistent.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from typing import Any
from xml.sax.saxutils import quoteattr

# SpiffWorkflow ships without type information (no py.typed).
from SpiffWorkflow import __version__ as SPIFF_VERSION  # type: ignore[import-untyped,import-not-found,unused-ignore]
from SpiffWorkflow.bpmn.parser.BpmnParser import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
    BpmnParser,
    BpmnValidator,
)
from SpiffWorkflow.bpmn.script_engine import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
    PythonScriptEngine,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # type: ignore[import-untyped,import-not-found,unused-ignore]
from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped,import-not-found,unused-ignore]

PROCESS_ID = "parallel_approval"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DATA = {"decision": "approved"}


def branch_ids(branches: int) -> list[str]:
    return [f"approve_{i}" for i in range(1, branches + 1)]


def build_xml(branches: int) -> str:
    """BPMN 2.0 for the process with ``branches`` parallel department approvals."""
    if branches < 1:
        raise ValueError("branches must be >= 1")
    nodes: list[str] = ['<bpmn:startEvent id="start" name="开始"/>']
    flows: list[tuple[str, str]] = [("start", "submit"), ("submit", "accept"), ("accept", "split")]

    def user_task(task_id: str, name: str) -> None:
        nodes.append(f"<bpmn:userTask id={quoteattr(task_id)} name={quoteattr(name)}/>")

    user_task("submit", "提交申请")
    user_task("accept", "窗口受理")
    nodes.append('<bpmn:parallelGateway id="split" name="并联审批" gatewayDirection="Diverging"/>')
    for i, task_id in enumerate(branch_ids(branches), start=1):
        user_task(task_id, f"部门审批 {i}")
        flows += [("split", task_id), (task_id, "join")]
    nodes.append('<bpmn:parallelGateway id="join" name="审批汇总" gatewayDirection="Converging"/>')
    user_task("deliver", "出证送达")
    nodes.append('<bpmn:endEvent id="end" name="办结"/>')
    flows += [("join", "deliver"), ("deliver", "end")]
    seq = [
        f'<bpmn:sequenceFlow id="flow_{n}" sourceRef={quoteattr(src)} targetRef={quoteattr(dst)}/>'
        for n, (src, dst) in enumerate(flows, start=1)
    ]
    body = "\n    ".join(nodes + seq)
    return (
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="onething_bench" targetNamespace="https://onething.local/bench">\n'
        f'  <bpmn:process id="{PROCESS_ID}" name="并联审批基准" isExecutable="true">\n'
        f"    {body}\n"
        "  </bpmn:process>\n"
        "</bpmn:definitions>\n"
    )


def parse(branches: int) -> Any:
    """Parse the generated BPMN once (schema-validated) and return the process spec."""
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_str(build_xml(branches), filename=f"{PROCESS_ID}_{branches}.bpmn")
    return parser.get_spec(PROCESS_ID)


# One script engine for all lifecycles (the process has no scripts; BpmnWorkflow would otherwise build one each time).
_ENGINE = PythonScriptEngine()


def lifecycle(spec: Any) -> list[str]:
    """Run one case from start to end; return the ids of the user tasks in the order they were completed."""
    wf = BpmnWorkflow(spec, script_engine=_ENGINE)
    wf.do_engine_steps()
    done: list[str] = []
    while not wf.is_completed():
        # One task at a time, as separate requests would: a join that fired early would show up in the order.
        task = wf.get_next_task(state=TaskState.READY, manual=True)
        if task is None:
            raise RuntimeError(f"workflow stuck after {done}")
        task.data.update(DATA)
        task.run()
        done.append(task.task_spec.name)
        wf.do_engine_steps()
    return done  # the loop only ends on a completed workflow


def run(branches: int, seconds: float = 3.0) -> dict[str, Any]:
    spec = parse(branches)
    expected = 3 + branches
    for _ in range(20):  # warm up
        if len(lifecycle(spec)) != expected:
            raise RuntimeError("lifecycle did not visit every user task")
    gc.collect()
    samples: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        t0 = time.perf_counter()
        lifecycle(spec)
        t1 = time.perf_counter()
        samples.append((t1 - t0) * 1000)
        if t1 >= deadline:
            break
    elapsed = time.perf_counter() - start
    return {
        "engine": f"SpiffWorkflow {SPIFF_VERSION}",
        "branches": branches,
        "lifecycles": len(samples),
        "seconds": round(elapsed, 3),
        "lifecycles_per_s": round(len(samples) / elapsed, 1),
        "median_ms": round(statistics.median(samples), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--branches", type=int, default=6, help="parallel department approvals (default 6)")
    ap.add_argument("--seconds", type=float, default=3.0, help="how long to run lifecycles (default 3)")
    args = ap.parse_args()
    print(json.dumps(run(args.branches, args.seconds), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
