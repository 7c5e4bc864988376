#!/usr/bin/env python3
"""Lists which top-level modules of hypervisor/src use which (every `crate::X` path, `use
crate::{X, ...}` included) and reports the cycles between them; exits 1 when there is one.

usage: scripts/module-cycles.py [--dot]   (--dot: the graph in Graphviz form)"""
import pathlib
import re
import sys

SOURCE = pathlib.Path(__file__).resolve().parent.parent / "hypervisor" / "src"


def top_module(path):
    """The top-level module a file belongs to (lib.rs and main.rs are the crate root)."""
    relative = path.relative_to(SOURCE)
    name = relative.parts[0]
    return None if name in ("lib.rs", "main.rs") else name.removesuffix(".rs")


def uses(text):
    """Top-level module names a file's code reaches through `crate::`."""
    text = re.sub(r"//[^\n]*", "", text)  # comments, doc comments included
    found = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
    for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
        found.update(re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)", group))
    return found


def graph():
    modules = {top_module(path) for path in SOURCE.rglob("*.rs")} - {None}
    edges = {module: set() for module in modules}
    for path in SOURCE.rglob("*.rs"):
        module = top_module(path)
        if module is None:
            continue
        for used in uses(path.read_text()):
            if used in modules and used != module:
                edges[module].add(used)
    return edges


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for next_node in sorted(edges[node]):
            if next_node not in index:
                visit(next_node)
                low[node] = min(low[node], low[next_node])
            elif next_node in on_stack:
                low[node] = min(low[node], index[next_node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main():
    edges = graph()
    if "--dot" in sys.argv[1:]:
        print("digraph hypervisor {")
        for module in sorted(edges):
            for used in sorted(edges[module]):
                print(f"    {module} -> {used};")
        print("}")
        return 0
    for module in sorted(edges):
        print(f"{module} -> {', '.join(sorted(edges[module])) or '(nothing)'}")
    pairs = sorted((a, b) for a in edges for b in edges[a] if a < b and a in edges[b])
    components = cycles(edges)
    print()
    if not components:
        print("no cycles between top-level modules")
        return 0
    for a, b in pairs:
        print(f"mutual: {a} <-> {b}")
    for component in components:
        print(f"cycle among: {', '.join(component)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
