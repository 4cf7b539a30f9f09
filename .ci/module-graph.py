#!/usr/bin/env python3
"""Checks that the modules of each library and binary crate under crates/ import each other
without cycles, and prints each crate's module graph with --print.

An edge A -> B means that module A names an item of module B (a `use` or a path such as
`crate::b::f`, `super::x`, `self::y`, or a name brought in by a `use`). An item re-exported
by the crate root (`pub use crate::m::Item`) counts as m's. Test code is left out: files
named tests.rs and `#[cfg(test)]` modules, which may reach anything they test. Exit status 1
when a cycle is found, naming it."""
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'b?r(#*)".*?"\1', '""', text, flags=re.S)
    text = re.sub(r'b?"(\\.|[^"\\])*"', '""', text, flags=re.S)
    return text


def drop_test_modules(text):
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def modules(src, root_file):
    """(module path tuple) -> file, following `mod x;` declarations from the root."""
    found = {}

    def visit(path, file, dir_for_children):
        found[path] = file
        text = drop_test_modules(strip(open(file, encoding="utf-8").read()))
        for m in re.finditer(r"(?:^|\n)\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", text):
            name = m.group(1)
            for cand in (os.path.join(dir_for_children, name + ".rs"),
                         os.path.join(dir_for_children, name, "mod.rs")):
                if os.path.exists(cand):
                    child_dir = os.path.join(dir_for_children, name)
                    visit(path + (name,), cand, child_dir)
                    break

    visit((), root_file, src)
    return found


def expand_use(body):
    """`a::{b, c::{d, e as f}}` -> [(['a','b'], 'b'), ...] as (path, local name)."""
    body = body.strip()
    m = re.match(r"^(.*?)\{(.*)\}$", body, flags=re.S)
    if not m:
        parts = re.split(r"\s+as\s+", body)
        path = [p for p in parts[0].split("::") if p]
        name = parts[1].strip() if len(parts) > 1 else (path[-1] if path else "")
        return [(path, name)]
    prefix = [p for p in m.group(1).split("::") if p]
    inner, depth, cur, items = m.group(2), 0, "", []
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    items.append(cur)
    out = []
    for it in items:
        if it.strip():
            for path, name in expand_use(it):
                if path == ["self"]:
                    path, name = [], prefix[-1] if prefix else ""
                out.append((prefix + path, name))
    return out


def check(crate_dir, root_name):
    src = os.path.join(crate_dir, "src")
    root_file = os.path.join(src, root_name)
    if not os.path.exists(root_file):
        return None
    mods = modules(src, root_file)
    reexport = {}
    root_text = drop_test_modules(strip(open(root_file, encoding="utf-8").read()))
    for m in re.finditer(r"pub\s+use\s+([^;]+);", root_text):
        for path, name in expand_use(m.group(1)):
            if path and path[0] == "crate":
                path = path[1:]
            target = resolve((), path, mods, {}, {})
            if target is not None:
                reexport[name] = target
    edges = {p: set() for p in mods}
    for path, file in mods.items():
        if os.path.basename(file) == "tests.rs":
            continue
        text = drop_test_modules(strip(open(file, encoding="utf-8").read()))
        aliases = {}
        uses = []
        for m in re.finditer(r"(?:^|[;{}\n])\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
            is_root_reexport = path == () and m.group(1) is not None
            for p, name in expand_use(m.group(2)):
                uses.append((p, name, is_root_reexport))
        for p, name, is_root_reexport in uses:
            target = resolve(path, p, mods, aliases, reexport)
            if target is not None:
                if not is_root_reexport:
                    edges[path].add(target)
                full = resolve_module_exact(path, p, mods)
                if full is not None:
                    aliases[name] = full
        code = re.sub(r"(?:^|(?<=[;{}\n]))\s*(pub(?:\([^)]*\))?\s+)?use\s+[^;]+;", "\n", text)
        for m in re.finditer(r"(?<![A-Za-z0-9_:])((?:" + IDENT + r"::)+" + IDENT + r")", code):
            target = resolve(path, m.group(1).split("::"), mods, aliases, reexport)
            if target is not None:
                edges[path].add(target)
    for p in edges:
        edges[p].discard(p)
    return mods, edges


def start_of(cur, segs, mods, aliases):
    """Where a path starts (a module) and the segments left, or None for outside the crate."""
    if not segs:
        return None
    head = segs[0]
    if head == "crate":
        return (), segs[1:]
    if head == "self":
        return cur, segs[1:]
    if head == "super":
        base, rest = cur, segs
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
        return base, rest
    if cur + (head,) in mods:
        return cur + (head,), segs[1:]
    if head in aliases:
        return aliases[head], segs[1:]
    return None


def resolve(cur, segs, mods, aliases, reexport):
    s = start_of(cur, segs, mods, aliases)
    if s is None:
        return None
    mod, rest = s
    while rest and mod + (rest[0],) in mods:
        mod, rest = mod + (rest[0],), rest[1:]
    if mod == () and rest and rest[0] in reexport:
        return reexport[rest[0]]
    return mod


def resolve_module_exact(cur, segs, mods):
    s = start_of(cur, segs, mods, {})
    if s is None:
        return None
    mod, rest = s
    while rest and mod + (rest[0],) in mods:
        mod, rest = mod + (rest[0],), rest[1:]
    return mod if not rest else None


def find_cycle(edges):
    state, stack = {}, []

    def dfs(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges[n]):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = dfs(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if n not in state:
            c = dfs(n)
            if c:
                return c
    return None


def name(p):
    return "crate" if not p else "::".join(p)


def main():
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")
    bad = False
    for crate in sorted(os.listdir(top)):
        for root in ("lib.rs", "main.rs"):
            r = check(os.path.join(top, crate), root)
            if r is None:
                continue
            mods, edges = r
            if "--print" in sys.argv:
                print(f"{crate} ({root}):")
                for p in sorted(edges):
                    print(f"  {name(p)} -> {', '.join(name(q) for q in sorted(edges[p])) or '-'}")
            cycle = find_cycle(edges)
            n_edges = sum(len(v) for v in edges.values())
            if cycle:
                bad = True
                print(f"module-graph: {crate}: cycle {' -> '.join(name(p) for p in cycle)}")
            else:
                print(f"module-graph: {crate} ({root}): {len(mods)} modules, {n_edges} edges, no cycle")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
