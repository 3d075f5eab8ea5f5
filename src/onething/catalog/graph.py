"""Dependency graphs of a thing's items: cycles and the critical path. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle through ``after`` as a closed list of nodes (``a, b, a``), or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(deps, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in deps.get(node, ()):
            if nxt not in colour:
                continue
            if colour[nxt] == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour[nxt] == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for node in deps:
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return None


def critical_path(
    durations: Mapping[str, int], deps: Mapping[str, Sequence[str]]
) -> tuple[int, dict[str, tuple[int, int]]]:
    """Longest path through an acyclic graph.

    Returns the total and, for every node, its (start, finish) when it starts as soon as all of
    its prerequisites that are present have finished. Nodes without prerequisites run in parallel.
    """
    schedule: dict[str, tuple[int, int]] = {}

    def finish(node: str) -> int:
        if node not in schedule:
            start = max((finish(d) for d in deps.get(node, ()) if d in durations), default=0)
            schedule[node] = (start, start + durations[node])
        return schedule[node][1]

    total = max((finish(n) for n in durations), default=0)
    return total, schedule
