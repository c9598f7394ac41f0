"""The packages import downwards only: each may use those above it in LAYERS, never below."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["core", "storage", "payments", "ui", "delivery", "web", "handlers", "bot"]


def imported_packages(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.lineno, node.module))
    return found


def upward_imports() -> list[str]:
    rank = {package: index for index, package in enumerate(LAYERS)}
    wrong = []
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, module in imported_packages(path):
                top = module.split(".")[0]
                if rank.get(top, -1) > rank[package] or top in ("bench", "tests"):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return wrong


def test_every_package_imports_only_the_layers_beneath_it() -> None:
    assert upward_imports() == []


def test_core_imports_nothing_of_ours() -> None:
    ours = set(LAYERS) | {"bench", "tests"}
    used = {
        module
        for path in (ROOT / "core").rglob("*.py")
        for _, module in imported_packages(path)
        if module.split(".")[0] in ours and not module.startswith("core")
    }
    assert used == set()


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch) -> None:
    for package in LAYERS:
        (tmp_path / package).mkdir()
    (tmp_path / "storage" / "wrong.py").write_text("from payments.service import PaymentService\n")
    monkeypatch.setitem(upward_imports.__globals__, "ROOT", tmp_path)
    assert upward_imports() == ["storage/wrong.py:1 imports payments.service"]
