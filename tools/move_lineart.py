"""Move the line-art segmentation (regions + adjacency) from the flat backend into the foundation layer.

Run once from the repository root, after the flat-colorizer rebuild has merged (issue 14 part 1):

    python tools/move_lineart.py          # git mv + import rewrite + ruff + the layer contract test
    python tools/move_lineart.py --dry-run

It does, mechanically:
  1. git mv colorframes/backends/flat/regions.py -> colorframes/foundation/lineart.py
     (and tests/flat/test_regions.py -> tests/foundation/test_lineart.py when present);
  2. rewrites every import of it in colorframes/, tests/, benchmarks/, examples/ and tools/:
       colorframes.backends.flat.regions          -> colorframes.foundation.lineart   (absolute, also in strings)
       from <dots>backends.flat.regions import    -> from <dots>foundation.lineart import
       from .regions import   (inside backends/flat/) -> from ...foundation.lineart import
       from . import regions  (inside backends/flat/) -> from ...foundation import lineart as regions
     and the path `backends/flat/regions.py` in Markdown files and comments;
  3. refuses to finish when the moved module imports anything from colorframes outside the foundation layer
     (a relative `from .x` sibling import of the flat package would be an upward import);
  4. runs `ruff check --fix` (import order) and `ruff format` on the changed files, then tests/test_layers.py.

Afterwards: drop the `colorframes.backends.flat.*` mypy override in pyproject.toml if flat passes mypy.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD = ROOT / "colorframes/backends/flat/regions.py"
NEW = ROOT / "colorframes/foundation/lineart.py"
OLD_TEST = ROOT / "tests/flat/test_regions.py"
NEW_TEST = ROOT / "tests/foundation/test_lineart.py"
FLAT = ROOT / "colorframes/backends/flat"
FOUNDATION_UNITS = ("foundation", "io", "options", "errors", "extras")

REWRITES_EVERYWHERE = [
    (re.compile(r"colorframes\.backends\.flat\.regions\b"), "colorframes.foundation.lineart"),
    (re.compile(r"from (\.+)backends\.flat\.regions import"), r"from \1foundation.lineart import"),
    (re.compile(r"backends/flat/regions\.py"), "foundation/lineart.py"),
]
REWRITES_IN_FLAT = [
    (re.compile(r"^(\s*)from \.regions import", re.M), r"\1from ...foundation.lineart import"),
    (re.compile(r"^(\s*)from \. import regions\b", re.M), r"\1from ...foundation import lineart as regions"),
]


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def check_moved_module(path: Path) -> list[str]:
    """Imports of the moved module that reach above the foundation layer (must be empty)."""
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            target = "." * node.level + (node.module or "")
            unit = (node.module or "").split(".")[0] if node.level == 2 else None
            if node.level != 2 or unit not in FOUNDATION_UNITS:
                problems.append(f"line {node.lineno}: from {target} import ... (not a foundation module)")
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "colorframes" and (len(parts) < 2 or parts[1] not in FOUNDATION_UNITS):
                    problems.append(f"line {node.lineno}: import {name} (not a foundation module)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    args = parser.parse_args()
    if not OLD.is_file() or NEW.exists():
        print(f"nothing to do: {OLD.relative_to(ROOT)} missing or {NEW.relative_to(ROOT)} exists", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"git mv {OLD.relative_to(ROOT)} {NEW.relative_to(ROOT)}")
        if OLD_TEST.is_file():
            print(f"git mv {OLD_TEST.relative_to(ROOT)} {NEW_TEST.relative_to(ROOT)}")
    else:
        git("mv", str(OLD), str(NEW))
        if OLD_TEST.is_file():
            NEW_TEST.parent.mkdir(parents=True, exist_ok=True)
            git("mv", str(OLD_TEST), str(NEW_TEST))
    problems = check_moved_module(NEW if NEW.exists() else OLD)
    # Files to rewrite: Python sources and Markdown under the usual folders, and the top-level docs.
    files = [p for d in ("colorframes", "tests", "benchmarks", "examples", "tools") for p in (ROOT / d).rglob("*.py")]
    files += [p for p in ROOT.glob("*.md") if p.name != "ARCHITECTURE.md"] + [ROOT / "pyproject.toml"]
    changed = []
    for path in files:
        if path.resolve() == Path(__file__).resolve() or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new = text
        for pattern, repl in REWRITES_EVERYWHERE:
            new = pattern.sub(repl, new)
        if FLAT in path.parents:
            for pattern, repl in REWRITES_IN_FLAT:
                new = pattern.sub(repl, new)
        if new != text:
            changed.append(path)
            if args.dry_run:
                print(f"rewrite imports in {path.relative_to(ROOT)}")
            else:
                path.write_text(new, encoding="utf-8")
    if problems:
        print("the moved module imports from above the foundation layer; fix these first:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.dry_run:
        return 0
    py = [str(p) for p in changed if p.suffix == ".py"] + [str(NEW)]
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", *py], cwd=ROOT, check=False)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", *py], cwd=ROOT, check=True)
    print(f"moved; rewrote {len(changed)} files. Checking the layer contract:")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_layers.py"], cwd=ROOT, check=False)
    print(
        "next: run the flat, metrics and compose tests; update the `backends` comment in tests/test_layers.py and "
        "the lineart.py line of ARCHITECTURE.md; drop the backends.flat mypy override in pyproject.toml if "
        "`python -m mypy` passes without it"
    )
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
