"""The package's shape: a lesson of at most 22 files, an evidence wing beside it, no import circles."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ffnumpy"


def imports(path):
    """The ffnumpy modules `path` imports (relative imports resolved), as dotted names."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            target = node.module or ""
            if node.level:
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([target] if target else []))
            names = [f"{target}.{a.name}" for a in node.names]
            found |= {n for n in [target, *names] if n.startswith("ffnumpy")}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ffnumpy")}
    return found


def graph():
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    return {m: {t for t in imports(p) if t in modules and t != m} for m, p in modules.items()}


def test_the_lesson_is_at_most_22_files():
    assert len(list(PACKAGE.glob("*.py"))) <= 22


def test_no_import_circles():
    edges = graph()
    state = {}

    def visit(m, path):
        state[m] = "open"
        for t in edges[m]:
            assert state.get(t) != "open", "import circle: " + " -> ".join(path + [t])
            if t not in state:
                visit(t, path + [t])
        state[m] = "done"
    for m in edges:
        if m not in state:
            visit(m, [m])


def test_the_lesson_never_imports_the_evidence():
    for m, targets in graph().items():
        if not m.startswith("ffnumpy.studies"):
            assert not any(t.startswith("ffnumpy.studies") for t in targets), m


def test_every_subpackage_is_in_the_wheel():
    """pyproject.toml lists every package folder of ffnumpy/: one left out is missing from an installed
    ffnumpy (the notebooks import ffnumpy.graders and ffnumpy.figures)."""
    import re
    root = Path(__file__).resolve().parents[1]
    listed = set(re.search(r"^packages = \[(.*)\]$", (root / "pyproject.toml").read_text(), re.M).group(1)
                 .replace('"', "").replace(" ", "").split(","))
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "ffnumpy").rglob("__init__.py")}
    assert listed == found
