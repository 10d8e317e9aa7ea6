"""The demo department loaded by `flask --app app seed-demo`.

Record types register their loader from their registration function with
`register_demo(name, "package.module:function")`; the core never imports them, and the
demo module (Pillow drawing, example data) is imported only when `seed-demo` runs, so the
record type's services need not import it (no cycle). A loader receives a DemoContext and
returns a short line for the command's output. Everything it makes is marked "(demo)".
"""

import random
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from werkzeug.utils import import_string

from cso_field.auth.models import User


@dataclass
class DemoContext:
    users: dict[str, User]  # username -> account (cso.demo, senior.demo, admin.demo)
    rng: random.Random


DemoLoader = Callable[[DemoContext], str]
DEMO_LOADERS: dict[str, str] = {}  # name -> "module:function" of a DemoLoader
DEMO_SEED = 2026


def register_demo(name: str, loader: str) -> None:
    DEMO_LOADERS[name] = loader


def load_demo(users: dict[str, User]) -> list[str]:
    """Load the example districts, then every registered record type's demo records."""
    from cso_field.districts.demo import load_example_districts

    context = DemoContext(users=users, rng=random.Random(DEMO_SEED))  # noqa: S311 (repeatable demo data)
    # Services build links (e.g. a check's private link in its confirmation email).
    with current_app.test_request_context():
        lines = [load_example_districts()]
        for _name, loader in sorted(DEMO_LOADERS.items()):
            load: DemoLoader = import_string(loader)
            lines.append(load(context))
        if "admin.demo" in users:  # after every record type: holds on two of their records
            from cso_field.retention.demo import load_demo_holds

            lines.append(load_demo_holds(users["admin.demo"]))
    return lines
