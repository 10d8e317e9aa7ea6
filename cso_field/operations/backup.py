"""Backups that restore: the database and every stored file, with a SHA-256 manifest.

A backup is a folder:

    manifest.json        what is in it: the database's kind and migration, every file's
                         SHA-256 and size
    database.sqlite      SQLite, copied by SQLite's online backup API (a consistent copy
                         while the app keeps writing), or
    database.pgdump      PostgreSQL, `pg_dump --format=custom` (one consistent snapshot)
    files/<key>          every photo and generated document, from the local folder or the
                         S3 bucket

The database is copied first, then the files: a file written meanwhile is copied too
(harmless), and every file the copied database refers to is still there, since the app
never changes a stored file (it only adds, and retention deletes).

`restore` checks every hash in the manifest before it touches anything, names each file
that does not match, and restores only into an empty database and an empty storage; it
then reads every restored file back and checks its hash again.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.engine import URL, make_url

from cso_field.extensions import db
from cso_field.operations.models import BackupRun
from cso_field.storage import Storage, get_storage
from cso_field.timeutil import utcnow

MANIFEST = "manifest.json"
FILES = "files"
SQLITE_FILE = "database.sqlite"
PGDUMP_FILE = "database.pgdump"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore could not be made; the message says why, for the operator."""


@dataclass
class BackupReport:
    folder: Path
    database_kind: str
    files: int = 0
    total_bytes: int = 0
    hashes: dict[str, str] = field(default_factory=dict)  # name in the backup -> SHA-256


def database_kind(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL, not {url.get_backend_name()}")


def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that has it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- Backing up ------------------------------------------------------------------------------


def backup(destination: str | os.PathLike[str]) -> BackupReport:
    """Back up the app's database and storage into `destination`, a new or empty folder."""
    folder = Path(destination)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup")
    folder.mkdir(parents=True, exist_ok=True)
    url = _database_url()
    report = BackupReport(folder, database_kind(url))
    name = _backup_database(url, folder)
    _add(report, name, folder / name)
    for key in _copy_files(get_storage(), folder / FILES):
        _add(report, f"{FILES}/{key}", folder / FILES / key)
    _write_manifest(report)
    db.session.add(
        BackupRun(files=report.files, total_bytes=report.total_bytes, destination=str(folder)[:300])
    )
    db.session.commit()
    return report


def _add(report: BackupReport, name: str, path: Path) -> None:
    report.hashes[name] = _hash_file(path)
    report.files += 1
    report.total_bytes += path.stat().st_size


def _backup_database(url: URL, folder: Path) -> str:
    db.session.remove()  # no transaction of ours open while the copy is made
    if database_kind(url) == "sqlite":
        with sqlite3.connect(url.database) as source, sqlite3.connect(folder / SQLITE_FILE) as copy:
            source.backup(copy)  # one step: a consistent snapshot; writers are not blocked (WAL)
        copy.close()
        source.close()
        return SQLITE_FILE
    conninfo, env = _libpq(url)
    command = [_tool("pg_dump"), "--format=custom", "--file", str(folder / PGDUMP_FILE), conninfo]
    _run(command, env, "pg_dump")
    return PGDUMP_FILE


def _run(command: list[str], env: dict[str, str], name: str) -> None:
    # The command is pg_dump or pg_restore, found on PATH, with the app's own settings.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {done.stderr.strip()[-2000:]}")


def _copy_files(storage: Storage, into: Path) -> Iterator[str]:
    for key in storage.all_keys():
        target = into / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(key) as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        yield key


def _write_manifest(report: BackupReport) -> None:
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat() + "Z",
        "database": report.database_kind,
        "migration": _current_migration(),
        "files": report.hashes,
    }
    (report.folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))


def _current_migration() -> list[str]:
    from sqlalchemy import text

    return sorted(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())


def last_backup() -> BackupRun | None:
    return db.session.scalars(select(BackupRun).order_by(BackupRun.finished_at.desc())).first()


# -- Restoring -------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    database_kind: str
    files: int


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder / MANIFEST} is missing: not a backup folder") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {error}") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{folder / MANIFEST} is not a backup manifest this version reads")
    return manifest


def verify(folder: Path, manifest: dict) -> list[str]:
    """The names of files that are missing or whose SHA-256 differs from the manifest's."""
    bad = []
    for name, expected in sorted(manifest["files"].items()):
        path = folder / name
        if not path.is_file() or _hash_file(path) != expected:
            bad.append(name)
    return bad


def restore(source: str | os.PathLike[str]) -> RestoreReport:
    """Restore a backup into this app's database and storage, which must both be empty."""
    folder = Path(source)
    manifest = read_manifest(folder)
    bad = verify(folder, manifest)
    if bad:
        raise BackupError(
            "these files do not match the manifest (corrupted or missing): " + ", ".join(bad)
        )
    url = _database_url()
    kind = database_kind(url)
    if manifest["database"] != kind:
        raise BackupError(f"this backup is of a {manifest['database']} database, not {kind}")
    storage = get_storage()
    _check_empty(url, storage)
    _restore_database(url, folder, kind)
    keys = [
        name.removeprefix(f"{FILES}/") for name in manifest["files"] if name.startswith(f"{FILES}/")
    ]
    for key in keys:
        storage.put(key, (folder / FILES / key).read_bytes())
    _check_restored_files(storage, keys, manifest["files"])
    return RestoreReport(kind, len(keys))


def _check_empty(url: URL, storage: Storage) -> None:
    db.session.remove()
    tables = inspect(db.engine).get_table_names()
    db.engine.dispose()
    if tables:
        raise BackupError("the database is not empty: restore only into a new, empty database")
    if next(iter(storage.all_keys()), None) is not None:
        raise BackupError("the photo storage is not empty: restore only into an empty one")


def _restore_database(url: URL, folder: Path, kind: str) -> None:
    if kind == "sqlite":
        target = Path(url.database)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(folder / SQLITE_FILE) as backup_copy, sqlite3.connect(target) as live:
            backup_copy.backup(live)
        backup_copy.close()
        live.close()
        return
    conninfo, env = _libpq(url)
    command = [
        _tool("pg_restore"),
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "--dbname",
        conninfo,
        str(folder / PGDUMP_FILE),
    ]
    _run(command, env, "pg_restore")


def _check_restored_files(storage: Storage, keys: list[str], hashes: dict[str, str]) -> None:
    bad = []
    for key in keys:
        digest = hashlib.sha256()
        with storage.open(key) as file:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != hashes[f"{FILES}/{key}"]:
            bad.append(key)
    if bad:
        raise BackupError("these files changed on their way into the storage: " + ", ".join(bad))
