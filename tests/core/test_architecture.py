"""The house shape, checked: arrows point inward, views stay short, the schema the models
describe is the one the migrations build, and every record type has the same rooms."""

import ast
import inspect
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cso_field.extensions import db
from cso_field.records.registry import RECORD_TYPES
from cso_field.text_search import is_index_object

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_VIEW_LINES = 30
RECORD_TYPE_FILES = ("__init__.py", "models.py", "forms.py", "services.py", "routes.py")


def _lint_imports(source_root: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=source_root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert f"{len(contracts['contracts'])} kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import"),
    [
        ("geo.py", "import cso_field.special_checks.services\n"),  # core -> record type
        ("field_notes/forms.py", "import cso_field.special_checks.models\n"),  # type -> type
        ("roles.py", "import cso_field.access\n"),  # a cycle: access imports roles
        # Neighborhood Watch never imports surveys (surveys use it).
        ("neighborhood_watch/models.py", "import cso_field.surveys.models\n"),
    ],
)
def test_the_import_contracts_catch_a_backward_import(tmp_path, module, bad_import):
    shutil.copytree(
        ROOT / "cso_field", tmp_path / "cso_field", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    changed = tmp_path / "cso_field" / module
    changed.write_text(bad_import + changed.read_text())
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_no_view_is_longer_than_thirty_lines(app):
    too_long = {}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        lines, _start = inspect.getsourcelines(inspect.unwrap(view))
        body = [line for line in lines if not line.lstrip().startswith("@")]
        if len(body) > MAX_VIEW_LINES:
            too_long[endpoint] = len(body)
    assert not too_long


def test_the_migrations_build_the_schema_the_models_describe(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": lambda name, *_: not is_index_object(name)}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_record_type_lives_in_the_house_shape(app):
    packages = {
        record_type.model.__module__.rsplit(".", 1)[0] for record_type in RECORD_TYPES.values()
    }
    assert packages == {
        "cso_field.citations",
        "cso_field.field_notes",
        "cso_field.missing_persons",
        "cso_field.neighborhood_watch",
        "cso_field.special_checks",
        "cso_field.surveys",
        "cso_field.traffic_posts",
        "cso_field.custody",
    }
    for package in packages:
        folder = ROOT / package.replace(".", "/")
        assert all((folder / name).is_file() for name in RECORD_TYPE_FILES), package
        docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
        assert (docstring and "Screens" in docstring) or "Staff" in docstring, package
        name = package.rsplit(".", 1)[1]
        assert (ROOT / "templates" / name).is_dir() and (ROOT / "tests" / name).is_dir()


def test_no_test_module_imports_another():
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = node.module.rsplit(".", 1)[-1]
                if node.module.startswith("tests") and imported.startswith("test_"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {node.module}")
    assert not offenders
