"""Print which part of the bot imports which (docs/architecture.md keeps the output).

A part is a top-level module or package of ``bot`` (``bot.doors.web`` counts as part of
``bot.doors``). Imports under TYPE_CHECKING and inside functions count, as they do for
``lint-imports``. Run from the checkout: ``python docs/import_graph.py``.
"""

from __future__ import annotations

from collections import defaultdict

import grimp


def part(module: str) -> str:
    return ".".join(module.split(".")[:2])


def main() -> None:
    graph = grimp.build_graph("bot")
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if part(imported) != part(module):
                edges[part(module)].add(part(imported))
    for source in sorted({part(m) for m in graph.modules}):
        targets = sorted(t.removeprefix("bot.") for t in edges.get(source, ()))
        print(f"{source.removeprefix('bot.'):<14} → {', '.join(targets) or '(nothing of the bot)'}")


if __name__ == "__main__":
    main()
