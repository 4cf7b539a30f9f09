#!/usr/bin/env python3
"""Checks that the modules of each library and binary crate under crates/ import each other
without cycles, and prints each crate's module graph with --print.

An edge A -> B means that module A names an item of module B (a `use` or a path such as
`crate::b::f`, `super::x`, `self::y`, or a name brought in by a `use`). An item re-exported
by the crate root (`pub use crate::m::Item`) counts as the module that defines it, through
re-exports of re-exports; the root's own `pub use` lines are not edges. Test code is left
out: files named tests.rs and every item under `#[cfg(test)]` (test modules, inline or in
their own file, and test-only functions, impls and uses), which may reach anything they test.
Exit status 1 when a cycle is found, naming it.

How the source is read:

- Comments, strings and character literals are removed in one pass from left to right. Regular
  expressions applied one after the other got this wrong: removing `//` comments first cut
  `b"://"` in two, and the quote left over swallowed the code up to the next string, where
  paths went unseen; the quote in `b'"'` did the same, and hid `nginx::access -> lines` and
  `haproxy::frame -> haproxy`.
- Code in an inline module (`mod serde_impls { ... }`) is resolved from that module: its
  `super::` is the file's module, not the file's parent (that gave a false `event -> crate`),
  and what it names counts for the file's module.
- Visibility paths (`pub(in crate::a)`) are not edges: they limit who sees an item and name
  nothing in `a`.
- A `use` that brings a module into scope (`use crate::aws;`, `use super::catalog::{self}`)
  is not an edge to that module by itself: the paths through it are (`aws::alb::parse` is
  an edge to `aws::alb`, not to `aws`).

Names are matched as text, not type-checked: a glob import (`use a::*`) is one edge to `a`,
and an item named through a module that only re-exports it is an edge to that module."""
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text):
    """The code of `text` with comments removed and every string and character literal emptied.

    One pass from left to right, so that `//` inside a string (`"http://"`) is not taken for a
    comment, a `"` inside a character literal (`b'"'`) does not open a string, and block
    comments nest as Rust's do. Lifetimes (`'a`) are kept as they are."""
    out, i, n = [], 0, len(text)
    char_lit = re.compile(r"b?'(?:\\(?:x[0-9A-Fa-f]{2}|u\{[0-9A-Fa-f]{1,6}\}|.)|[^\\'\n])'")
    raw_open = re.compile(r'b?r(#*)"')
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            out.append(" ")
            continue
        ident_before = i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
        if not ident_before and c in "br":
            m = raw_open.match(text, i)
            if m:
                end = text.find('"' + m.group(1), m.end())
                i = n if end < 0 else end + 1 + len(m.group(1))
                out.append('""')
                continue
        if c == '"' or (c == "b" and not ident_before and text.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append('""')
            continue
        if c == "'" or (c == "b" and not ident_before and text.startswith("b'", i)):
            m = char_lit.match(text, i)
            if m:
                out.append("' '")
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


CFG_TEST = re.compile(r"#\[\s*cfg\s*\(\s*test\s*\)\s*\]")


def item_end(text, i):
    """Where the item that starts at `i` ends: after its `;` or its closing brace."""
    depth, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and ch == "}":
                return i + 1
        elif ch == ";" and depth == 0:
            return i + 1
        i += 1
    return n


def bracket_end(text, i):
    """Where the bracket group that opens at `i` ends (after its closing bracket)."""
    depth, n = 0, len(text)
    while i < n:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            return i
    return n


def drop_test_items(text):
    """`text` (already stripped) without the items under `#[cfg(test)]`: test modules, inline
    or in their own file (`#[cfg(test)] mod tests;`), and test-only functions, impls and uses."""
    if re.search(r"#!\[\s*cfg\s*\(\s*test\s*\)\s*\]", text):
        return ""
    out, i = [], 0
    for m in CFG_TEST.finditer(text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        j = m.end()
        # Further attributes of the same item.
        while True:
            k = re.compile(r"\s*#\[").match(text, j)
            if not k:
                break
            j = bracket_end(text, k.end() - 1)
        i = item_end(text, j)
    out.append(text[i:])
    return "".join(out)


def code_of(file):
    return drop_test_items(strip(open(file, encoding="utf-8").read()))


def inline_modules(text):
    """The inline `mod name { ... }` blocks of a file: (start, end, name), outermost first."""
    spans = []
    for m in re.finditer(r"(?<![A-Za-z0-9_])mod\s+(" + IDENT + r")\s*\{", text):
        spans.append((m.start(), item_end(text, m.end() - 1), m.group(1)))
    return spans


def inline_path(spans, pos):
    return tuple(name for start, end, name in spans if start <= pos < end)


def modules(src, root_file):
    """(module path tuple) -> file, following `mod x;` declarations from the root."""
    found = {}

    def visit(path, file, dir_for_children):
        found[path] = file
        text = code_of(file)
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


USE = re.compile(r"(?:^|(?<=[;{}\]\n]))\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);")
PATH = re.compile(r"(?<![A-Za-z0-9_:])((?:" + IDENT + r"::)+" + IDENT + r")")


def check(crate_dir, root_name):
    src = os.path.join(crate_dir, "src")
    root_file = os.path.join(src, root_name)
    if not os.path.exists(root_file):
        return None
    mods = modules(src, root_file)
    texts = {}
    for path, file in mods.items():
        if os.path.basename(file) == "tests.rs":
            continue
        # `pub(in crate::a)` limits who may see an item; it names no item of `a`.
        texts[path] = re.sub(r"pub\s*\(\s*in\s+[^)]*\)", "pub", code_of(file))
    reexport = root_reexports(texts.get((), ""), texts, mods)
    edges = {p: set() for p in mods}
    for path, text in texts.items():
        spans = inline_modules(text)
        aliases = {}
        use_spans = []
        for m in USE.finditer(text):
            use_spans.append((m.start(), m.end()))
            cur = path + inline_path(spans, m.start())
            is_root_reexport = cur == () and m.group(1) is not None
            for p, local in expand_use(m.group(2)):
                target = resolve(cur, p, mods, aliases, reexport)
                if target is None:
                    continue
                full = resolve_module_exact(cur, p, mods)
                if full is not None:
                    # A module brought into scope is no edge by itself; paths through it are.
                    aliases[local] = full
                elif not is_root_reexport:
                    edges[path].add(target)
        for m in PATH.finditer(text):
            if any(start <= m.start() < end for start, end in use_spans):
                continue
            cur = path + inline_path(spans, m.start())
            target = resolve(cur, m.group(1).split("::"), mods, aliases, reexport)
            if target is not None:
                edges[path].add(target)
    for p in edges:
        edges[p].discard(p)
    return mods, edges


def root_reexports(root_text, texts, mods):
    """Name -> defining module of each item the crate root re-exports with `pub use`, following
    re-exports of re-exports (`pub use crate::a::X` where `a` has `pub use self::b::X`)."""
    pub_uses = {}
    for path, text in texts.items():
        spans = inline_modules(text)
        for m in USE.finditer(text):
            if m.group(1) is None or inline_path(spans, m.start()):
                continue
            for p, local in expand_use(m.group(2)):
                pub_uses.setdefault(path, {})[local] = p

    def defining(cur, segs, seen):
        s = start_of(cur, segs, mods, {})
        if s is None:
            return None
        mod, rest = s
        while rest and mod + (rest[0],) in mods:
            mod, rest = mod + (rest[0],), rest[1:]
        if len(rest) == 1 and rest[0] in pub_uses.get(mod, {}) and (mod, rest[0]) not in seen:
            found = defining(mod, pub_uses[mod][rest[0]], seen | {(mod, rest[0])})
            if found is not None:
                return found
        return nearest(mod, mods)

    return {
        local: target
        for local, p in pub_uses.get((), {}).items()
        if (target := defining((), p, {((), local)})) is not None
    }


def nearest(mod, mods):
    """The file module that holds `mod` (an inline module is part of its file's module)."""
    while mod not in mods:
        mod = mod[:-1]
    return mod


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
    return nearest(mod, mods)


def resolve_module_exact(cur, segs, mods):
    s = start_of(cur, segs, mods, {})
    if s is None:
        return None
    mod, rest = s
    while rest and mod + (rest[0],) in mods:
        mod, rest = mod + (rest[0],), rest[1:]
    return mod if not rest and mod in mods else None


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
