"""Graph rules shared with the control plane (the twin of ``control-plane/src/contract/graph.ts``)."""

from __future__ import annotations

from collections.abc import Mapping


def find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """One cycle as ``[a, b, …, a]`` read parent -> child, or None (edges are child -> parents).

    The same walk as the contract's ``findCycle`` (iterative, so deep chains cannot
    overflow the stack), so both languages name the same cycle.
    """
    parents_of = {node: [p for p in ps if p in graph] for node, ps in graph.items()}
    color: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in parents_of:
        if color.get(start):
            continue
        stack = [[start, 0]]
        color[start] = 1
        while stack:
            top = stack[-1]
            ps = parents_of[top[0]]
            if top[1] < len(ps):
                nxt = ps[top[1]]
                top[1] += 1
                c = color.get(nxt, 0)
                if c == 1:
                    path = [s[0] for s in stack]
                    return list(reversed(path[path.index(nxt):] + [nxt]))
                if c == 0:
                    color[nxt] = 1
                    stack.append([nxt, 0])
            else:
                color[top[0]] = 2
                stack.pop()
    return None
