"""Backup and restore: the database and the media directory in one archive, with a manifest and checksums.

An archive is a gzip'd tar holding

    database.sqlite3 | database.pgdump   SQLite's online backup, or `pg_dump --format=custom`
    media/...                            every file under MEDIA_ROOT (photos)
    manifest.json                        written last: engine, migrations, ticket count, a digest of
                                         the contents and the SHA-256 of every other member

The database is copied before the media, so every photo a backed-up ticket refers to is in the archive
(photos are written before their ticket commits). `restore` unpacks into a scratch directory, checks
every checksum, replaces the database and then swaps the media directory in with a rename, so a damaged
archive changes nothing.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.backends.utils import CursorWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "stadtlotse-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024

# The manifest as JSON gives it back; its keys are listed in create().
Manifest = dict[str, Any]
# Told what happens, one line at a time (the command prints it).
Progress = Callable[[str], object]


def _quiet(message: str) -> None:
    pass


class BackupError(Exception):
    """The archive cannot be made or used; the message says why, for an operator."""


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite" if connection.vendor == "sqlite" else connection.vendor


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# What residents and staff rely on: tickets, contacts, timeline, photos, jobs (table, columns, order).
DIGEST = [
    ("tickets.Ticket", ["id", "public_id", "status", "description", "lat", "lon", "category_id", "department_id",
                        "created_at"], "id"),
    ("tickets.Contact", ["ticket_id", "name", "email", "phone", "wants_feedback"], "ticket_id"),
    ("tickets.Event", ["id", "ticket_id", "kind", "created_at"], "id"),
    ("tickets.Attachment", ["id", "ticket_id", "original", "public_version", "size"], "id"),
    ("django_tasks_database.DBTaskResult", ["id", "task_path", "status"], "id"),
]


def _tickets() -> type[models.Model]:
    # By label, like the tables in DIGEST: a backup reads every app's tables, and core imports none of them.
    return apps.get_model("tickets.Ticket")


def content_digest(cursor: CursorWrapper | sqlite3.Cursor | None = None) -> str:
    """A SHA-256 over the rows in DIGEST, read in key order with bounded memory.

    Plain SQL on a DB-API cursor, so it can read a copied SQLite file as well as the live database;
    two databases with the same contents give the same digest, a lost or changed row another.
    """
    if cursor is None:
        with connection.cursor() as cursor:
            return content_digest(cursor)
    digest = hashlib.sha256()
    for label, columns, order in DIGEST:
        table = apps.get_model(label)._meta.db_table
        cursor.execute(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM "{table}" ORDER BY "{order}"')
        digest.update(label.encode())
        while rows := cursor.fetchmany(5000):
            for row in rows:
                digest.update(repr(tuple(str(value) for value in row)).encode())
    return digest.hexdigest()


def _count_and_digest_sqlite(path: Path) -> tuple[int, str]:
    """Ticket count and content digest of an SQLite file, with the type conversions Django's connection uses."""
    copy = sqlite3.connect(str(path), detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        cursor = copy.cursor()
        cursor.execute(f'SELECT COUNT(*) FROM "{_tickets()._meta.db_table}"')
        count: int = cursor.fetchone()[0]
        return count, content_digest(cursor)
    finally:
        copy.close()


def _migrations() -> dict[str, str]:
    applied = MigrationRecorder(connection).applied_migrations()
    latest: dict[str, str] = {}
    for app, name in sorted(applied):
        latest[app] = name
    return latest


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ}
    for key, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                       ("PGPASSWORD", db.get("PASSWORD"))):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], *, what: str) -> None:
    try:
        result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools ({exc}).") from exc
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-500:]}")


def _dump_database(target_dir: str | Path, snapshot: str | None = None) -> Path:
    engine = _engine()
    if engine == "sqlite":
        target = Path(target_dir) / "database.sqlite3"
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            # The online backup API copies a consistent snapshot while the web and worker keep writing.
            source.backup(copy, pages=4096)
        finally:
            copy.close()
            source.close()
        return target
    if engine == "postgresql":
        target = Path(target_dir) / "database.pgdump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
        _run([*command, "--snapshot", snapshot, connection.settings_dict["NAME"]] if snapshot else
             [*command, connection.settings_dict["NAME"]], what="pg_dump")
        return target
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _media_files(media_root: str | Path) -> list[Path]:
    root = Path(media_root)
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def create(output: str | Path, *, progress: Progress = _quiet) -> Manifest:
    """Write a backup archive to `output` (a path); returns the manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    files: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="stadtlotse-backup-", dir=output.parent) as scratch:
        manifest: Manifest = {
            "format": FORMAT, "version": VERSION, "created_at": timezone.now().isoformat(), "engine": _engine(),
            "migrations": _migrations(), "tickets": None, "content_digest": None, "files": files,
        }
        progress("Copying the database …")
        if _engine() == "postgresql":
            # pg_dump reads the snapshot this transaction exported, so count and digest describe exactly the dump.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
                dump = _dump_database(scratch, snapshot)
                manifest["tickets"] = _tickets()._default_manager.count()
                manifest["content_digest"] = content_digest()
        else:
            dump = _dump_database(scratch)
            # Count and digest the copy itself, not the live database that may have moved on.
            manifest["tickets"], manifest["content_digest"] = _count_and_digest_sqlite(dump)
        files[dump.name] = {"size": dump.stat().st_size, "sha256": _sha256(dump)}
        progress(f"Database copied ({dump.stat().st_size / 1e6:.1f} MB, {manifest['tickets']} tickets).")
        media = _media_files(settings.MEDIA_ROOT)
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            archive.add(dump, arcname=dump.name)
            for number, path in enumerate(media, 1):
                name = "media/" + path.relative_to(settings.MEDIA_ROOT).as_posix()
                files[name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
                archive.add(path, arcname=name)
                if number % 500 == 0 or number == len(media):
                    progress(f"Media: {number}/{len(media)} files")
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
    os.replace(partial, output)
    progress(f"Backup written to {output} ({output.stat().st_size / 1e6:.1f} MB, {manifest['tickets']} tickets).")
    return manifest


def read(archive_path: str | Path, scratch: str | Path, *, progress: Progress = _quiet) -> Manifest:
    """Unpack and verify an archive into `scratch`; returns the manifest. Raises BackupError if it is unusable."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"No backup archive at {archive_path}.")
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            # The "data" filter refuses absolute paths, "..", links out of the tree and device files.
            archive.extractall(scratch, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"{archive_path} is not a readable Stadtlotse backup (damaged or not a .tar.gz): {exc}") from exc
    manifest_path = Path(scratch) / MANIFEST
    try:
        manifest: Manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive_path} has no readable {MANIFEST}: it is not a Stadtlotse backup or it is incomplete.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not a Stadtlotse backup (its manifest says format {manifest.get('format')!r}).")
    if manifest.get("version") != VERSION:
        raise BackupError(f"This Stadtlotse reads backup format version {VERSION}, the archive has {manifest.get('version')!r}.")
    files = manifest.get("files") or {}
    for number, (name, expected) in enumerate(sorted(files.items()), 1):
        path = Path(scratch) / name
        if not path.is_file():
            raise BackupError(f"The archive is incomplete: {name} is missing.")
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"The archive is damaged: the checksum of {name} does not match its manifest.")
        if number % 500 == 0:
            progress(f"Checked {number}/{len(files)} files")
    unlisted = [p for p in Path(scratch).rglob("*") if p.is_file() and p.relative_to(scratch).as_posix() not in files
                and p.name != MANIFEST]
    if unlisted:
        raise BackupError(f"The archive holds files its manifest does not list, e.g. {unlisted[0].relative_to(scratch)}.")
    progress(f"Archive checked: {len(files)} files, {manifest.get('tickets')} tickets, made {manifest.get('created_at')}.")
    return manifest


def _restore_database(manifest: Manifest, scratch: str | Path) -> None:
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"This backup is of a {manifest['engine']} database; this installation uses {engine}.")
    connections.close_all()
    if engine == "sqlite":
        source = sqlite3.connect(str(Path(scratch) / "database.sqlite3"))
        target = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=30)
        try:
            # Page by page into the live file, under SQLite's own locking; WAL readers see old or new, never half.
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--dbname", connection.settings_dict["NAME"], str(Path(scratch) / "database.pgdump")],
             what="pg_restore")


def _restore_media(scratch: str | Path, media_root: str | Path) -> None:
    media_root = Path(media_root)
    unpacked = Path(scratch) / "media"
    if not unpacked.exists():
        unpacked.mkdir()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # Copied next to MEDIA_ROOT first, so the swap below is two renames on one file system.
    staged = media_root.with_name(media_root.name + ".restoring")
    old = media_root.with_name(media_root.name + ".before-restore")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(unpacked, staged)
    if old.exists():
        shutil.rmtree(old)
    try:
        if media_root.exists():
            os.replace(media_root, old)
        os.replace(staged, media_root)
    except OSError:
        # MEDIA_ROOT is a mount point (NFS, its own disk) and cannot be renamed: replace its contents.
        for entry in media_root.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        shutil.copytree(staged, media_root, dirs_exist_ok=True)
        shutil.rmtree(staged)
    shutil.rmtree(old, ignore_errors=True)


def restore(archive_path: str | Path, *, commit: bool, progress: Progress = _quiet) -> Manifest:
    """Check an archive and, with `commit`, replace the database and media with its contents. Returns the manifest."""
    scratch_parent = Path(settings.MEDIA_ROOT).parent
    scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stadtlotse-restore-", dir=scratch_parent) as scratch:
        manifest = read(archive_path, scratch, progress=progress)
        if manifest["engine"] != _engine():
            raise BackupError(f"This backup is of a {manifest['engine']} database; this installation uses {_engine()}.")
        if not commit:
            return manifest
        progress("Restoring the database …")
        _restore_database(manifest, scratch)
        progress("Restoring the media directory …")
        _restore_media(scratch, settings.MEDIA_ROOT)
    count = _tickets()._default_manager.count()
    if count != manifest["tickets"]:
        raise BackupError(f"Restored {count} tickets, but the backup lists {manifest['tickets']}.")
    if manifest.get("content_digest") and content_digest() != manifest["content_digest"]:
        raise BackupError("The restored database differs from the backup's content digest.")
    progress(f"Restored {count} tickets.")
    return manifest
