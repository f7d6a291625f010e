"""The layout's promises: one import namespace, imports that run one way, no circles."""

import ast
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "descent_bench"
# The folders the repository's root shows: links into the package, never import names.
FOLDERS = {"kernels": "descent_bench.kernels", "backends": "descent_bench.backends"}
# Each room may import itself and the rooms listed after it, nothing else of the project.
LOW = {"kernels", "backends", "native", "records", "root"}
ALLOWED = {
    "kernels": {"kernels"},
    "backends": {"backends", "kernels"},
    "native": {"native"},
    "records": {"records"},
    "root": set(),
    "machine": {"machine", "records", "native", "backends", "kernels", "root"},
    "reference": {"reference", "records", "backends", "kernels"},
    "timing": {"timing", "reference", "machine", *LOW},
    "instructions": {"instructions", "timing", "reference", "machine", *LOW},
    "output": {"output", "records", "kernels", "root"},
    "bench": {"instructions", "timing", "reference", "machine", *LOW},
    "cli": {"cli", "output", "instructions", "timing", "reference", "machine", *LOW},
}
# The rooms that measure: the output layer draws records and reaches none of them.
MEASURING_ROOMS = ("timing", "reference", "instructions", "machine")


def module_name(path):
    parts = ["descent_bench", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module):
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    return parts[1]


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def imported(path):
    """Every module ``path`` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            for alias in node.names:
                whole = f"{node.module}.{alias.name}"
                names.add(whole if whole in MODULES else node.module)
    return names


GRAPH = {m: {n for n in imported(p) if n in MODULES} for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_from_a_higher_layer_to_a_lower_one(module):
    upward = {n for n in GRAPH[module] if layer(n) not in ALLOWED[layer(module)] | {layer(module)}}
    assert not upward, f"{module} imports {sorted(upward)}"


def test_no_module_imports_the_folder_names():
    for module, path in MODULES.items():
        bad = {n for n in imported(path) if n.split(".")[0] in {*FOLDERS, "src", "benchmarks"}}
        assert not bad, f"{module} imports {sorted(bad)}"


def test_only_the_command_line_parses_arguments():
    parsing = {m for m, p in MODULES.items() if "argparse" in imported(p)}
    assert parsing and all(layer(m) == "cli" for m in parsing), sorted(parsing)


def test_imports_form_no_circle():
    done, path = set(), []

    def visit(module):
        if module in path:
            cycle = [*path[path.index(module) :], module]
            pytest.fail("import circle: " + " -> ".join(cycle))
        if module in done:
            return
        path.append(module)
        for other in sorted(GRAPH[module]):
            visit(other)
        path.pop()
        done.add(module)

    for module in sorted(GRAPH):
        visit(module)


def test_benchmarks_import_the_project_only_through_the_compatibility_module():
    """asv runs today's benchmarks/ against old commits: only benchmarks/compat.py may name
    descent_bench (the public ``bench`` at its top, older internals in its fallbacks); the
    rest reaches the project through it."""
    for path in (ROOT / "benchmarks").glob("*.py"):
        project = {n for n in imported(path) if n.startswith("descent_bench")}
        assert path.name == "compat.py" or not project, (path.name, project)


def test_the_pytest_benchmark_suite_uses_only_the_public_interface():
    for path in (ROOT / "tests" / "perf").glob("*.py"):
        project = {n for n in imported(path) if n.startswith("descent_bench")}
        assert project <= {"descent_bench.bench"}, (path.name, project)


def test_the_compatibility_module_imports_the_public_interface_at_its_top():
    tree = ast.parse((ROOT / "benchmarks" / "compat.py").read_text())
    top = {
        f"{node.module}.{alias.name}"
        for stmt in tree.body
        if isinstance(stmt, ast.Try)
        for node in stmt.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    assert "descent_bench.bench" in top


def test_the_install_puts_only_descent_bench_on_the_import_path(tmp_path):
    code = (
        "import importlib.util as u, descent_bench.kernels, descent_bench.backends; "
        "print(descent_bench.kernels.PROBLEMS is not None, "
        "[n for n in ('kernels', 'backends', 'src', 'benchmarks', 'examples') if u.find_spec(n)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert out.split(None, 1) == ["True", "[]\n"]


# Loaded by measuring: the output layer reads records and never needs any of these.
MEASURING = (
    "descent_bench.timing.suite",
    "descent_bench.timing.rows",
    "descent_bench.timing.planning",
    "descent_bench.backends",
    "jax",
    "torch",
    "numba",
    "cupy",
)


def test_importing_the_output_layer_loads_no_suite_contenders_or_backend():
    output = sorted(m for m in MODULES if layer(m) == "output")
    code = (
        f"import sys; import {', '.join(output)}; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {MEASURING!r} "
        f"or m.startswith({MEASURING!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out


def test_no_output_module_reaches_a_measuring_room_or_a_backend():
    for module in (m for m in MODULES if layer(m) == "output"):
        reached, todo = set(), [module]
        while todo:  # every project module the output module loads, directly or not
            for other in GRAPH[todo.pop()] - reached:
                reached.add(other)
                todo.append(other)
        measuring = {m for m in reached if layer(m) in {*MEASURING_ROOMS, "backends"}}
        assert not measuring, (module, sorted(measuring))


def lines_of(path):
    return len(path.read_text().splitlines())


def test_no_room_holds_more_than_a_quarter_of_the_package():
    total = sum(lines_of(p) for p in MODULES.values())
    rooms = {}
    for module, path in MODULES.items():
        rooms[layer(module)] = rooms.get(layer(module), 0) + lines_of(path)
    assert max(rooms.values()) <= total / 4, sorted(rooms.items(), key=lambda r: -r[1])


@pytest.mark.parametrize("folder", ["src", "scripts"])
def test_no_module_is_over_300_lines(folder):
    long = {p.name: lines_of(p) for p in (ROOT / folder).rglob("*.py") if lines_of(p) > 300}
    assert not long, long


# The array libraries that backends wrap: only backends/ (and the command line's messages)
# may name them; the rooms that measure ask a backend's hooks instead.
LIBRARIES = ("jax", "jaxlib", "cupy", "torch", "numba", "array_api_strict", "dask")


@pytest.mark.parametrize("room", MEASURING_ROOMS)
def test_the_measuring_rooms_name_no_array_library(room):
    named = []
    for module, path in MODULES.items():
        if layer(module) != room:
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = set(re.split(r"[^a-z0-9]+", node.value.lower()))
                if id(node) not in docstrings and words & {*LIBRARIES, "xla"}:
                    named.append((module, node.value))
        named += [(module, n) for n in imported(path) if n.split(".")[0] in LIBRARIES]
    assert not named, named


def test_the_root_shows_the_subpackages_as_links_into_the_package():
    for folder, module in FOLDERS.items():
        link = ROOT / folder
        assert link.is_symlink() and link.resolve() == PACKAGE / module.split(".")[1]


def test_an_editable_install_puts_a_plain_path_on_the_import_path(tmp_path):
    """Static tools (pyright, mypy, editors) follow a folder named in a .pth file, not an
    import hook: the README's editable install puts src/ itself on the import path."""
    import descent_bench

    if pathlib.Path(descent_bench.__file__).resolve().parent != PACKAGE:
        pytest.skip("descent_bench is installed from elsewhere, not editable from this tree")
    code = "import sys; print([p for p in sys.path if p.endswith('src')])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert str(PACKAGE.parent) in out
