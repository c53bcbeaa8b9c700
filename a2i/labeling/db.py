"""The database handle and the SQLite settings that make it safe under several workers.

SQLite is the default because a study then needs no server: one file in the instance folder. Several
gunicorn workers write to it at once, so every connection turns on WAL (readers never block the writer),
a busy timeout (a writer waits for the lock instead of failing) and foreign keys. Write requests open their
transaction with ``BEGIN IMMEDIATE``: a deferred transaction that reads first and writes later can fail at
once with "database is locked" when another worker committed in between, and the busy timeout cannot help.
Reads (GET) keep deferred transactions so they run in parallel with writers.

``secure_delete`` makes SQLite overwrite deleted rows with zeros instead of leaving them in free space, and
:func:`checkpoint_wal` folds the write-ahead log into the database and truncates it: together they make a
withdrawn participant's data unreadable in the database files, not only absent from queries.
"""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

#: Methods whose requests only read; the rest open an immediate (write-locking) SQLite transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    """Declarative base of every labeling table."""


db = SQLAlchemy(model_class=Base)


def mark_write_request() -> None:
    """Declare that the current GET request writes, before it touches the database."""
    g.db_write = True


def _wants_immediate() -> bool:
    if not has_request_context():
        return True  # CLI commands and migrations write
    return bool(g.get("db_write")) or request.method not in SAFE_METHODS


def configure_sqlite(engine: Engine, *, busy_timeout_ms: int, synchronous: str) -> None:
    """Install the pragmas and transaction handling described in the module docstring on ``engine``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")


def checkpoint_wal() -> bool:
    """Copy the SQLite write-ahead log into the database and truncate it to zero bytes (call after a
    deletion has committed, outside any transaction); returns whether the checkpoint completed.

    It waits (the busy timeout) for readers still using old pages; when some outlast it, the log keeps those
    pages until the next checkpoint, and ``False`` says so. A no-op (``True``) on other databases.
    """
    if db.engine.dialect.name != "sqlite":
        return True
    connection = db.engine.raw_connection()
    try:
        busy, _, _ = connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    return busy == 0
