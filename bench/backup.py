"""Backup and restore of five years of department data: times and sizes.

    .venv/bin/python -m bench.backup --database-url sqlite:////tmp/bench-backup.sqlite
    .venv/bin/python -m bench.backup --database-url postgresql://postgres@127.0.0.1/bench_backup

Fills the (empty or missing) database with bench/generate.py's five years (--scale), writes
--photos photo sets into a local storage folder (an original of about 1.2 MB, a display copy
of 180 kB and a thumbnail of 15 kB each: the sizes a phone's photo gives after the app's
resizing; random bytes, so nothing compresses), then times `backup` and `restore` (into a
new empty database and folder, every SHA-256 checked) with the app's own functions, and
prints a Markdown table. With --keep it leaves the databases and folders behind.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))
os.environ.setdefault("CSO_ENV", "development")

import psycopg
from sqlalchemy.engine import make_url

from bench.generate import database_url_from, generate
from cso_field import create_app
from cso_field.extensions import db
from cso_field.operations.backup import backup, restore
from cso_field.storage import LocalStorage

SIZES = {"original.jpg": 1_200_000, "display.jpg": 180_000, "thumb.jpg": 15_000}


def write_photos(folder: Path, count: int) -> int:
    storage = LocalStorage(folder)
    total = 0
    for number in range(count):
        for name, size in SIZES.items():
            storage.put(f"photos/{number // 1000:03d}/{number:06d}/{name}", os.urandom(size))
            total += size
    return total


def app_for(url: str, photos: Path):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url_from(url),
            "PHOTO_STORAGE_DIR": str(photos),
            "PHOTO_STORAGE_URL": "",
            "SECRET_KEY": "bench",
        }
    )


def empty_database_like(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = Path(parsed.database).with_name(Path(parsed.database).stem + "-restored.sqlite")
        target.unlink(missing_ok=True)
        return f"sqlite:///{target}"
    name = f"{parsed.database}_restored"
    server = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def database_bytes(url: str, app) -> int:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database).stat().st_size
    with app.app_context():
        return db.session.execute(db.text("SELECT pg_database_size(current_database())")).scalar()


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--photos", type=int, default=1000, help="photo sets to store")
    parser.add_argument("--work", default=tempfile.gettempdir(), help="folder for the files")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(args.work) / f"cso-bench-backup-{os.getpid()}"
    photos, copy, restored = work / "photos", work / "backup", work / "restored-photos"

    started = time.perf_counter()
    counts = generate(args.database_url, args.scale)
    generated = time.perf_counter() - started
    photo_bytes = write_photos(photos, args.photos)
    app = app_for(args.database_url, photos)
    live_db = database_bytes(args.database_url, app)

    with app.app_context():
        started = time.perf_counter()
        report = backup(copy)
        backup_seconds = time.perf_counter() - started
        db.engine.dispose()
    db_file = next(path for path in copy.iterdir() if path.name.startswith("database."))

    target_url = empty_database_like(args.database_url)
    target = app_for(target_url, restored)
    with target.app_context():
        started = time.perf_counter()
        restore(copy)
        restore_seconds = time.perf_counter() - started
        db.engine.dispose()

    kind = report.database_kind
    rows = sum(counts.values())
    print(f"\n### Backup and restore, {kind}, scale {args.scale:g}\n")
    print(f"Data: {rows:,} rows (generated in {generated:.0f} s); {args.photos:,} photo sets")
    print(f"({photo_bytes / 1e6:,.0f} MB in {args.photos * len(SIZES):,} files).\n")
    print("| what | size | time |")
    print("|---|---|---|")
    print(f"| live database | {live_db / 1e6:,.0f} MB | |")
    print(f"| backup: database ({db_file.name}) | {db_file.stat().st_size / 1e6:,.0f} MB | |")
    print(f"| backup: files | {folder_bytes(copy / 'files') / 1e6:,.0f} MB | |")
    print(f"| backup, whole | {report.total_bytes / 1e6:,.0f} MB | {backup_seconds:.1f} s |")
    print(f"| restore, every SHA-256 checked | | {restore_seconds:.1f} s |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
