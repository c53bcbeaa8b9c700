"""The labeling study website: participants listen to a clip and pick the images that match it.

A Flask application (``create_app``) with blueprints for accounts (``auth``), the study flow (``study``), the
JSON task API (``api``) and the researchers' pages (``admin``). It stores everything in a SQL database
through SQLAlchemy 2 (SQLite in WAL mode by default, PostgreSQL through ``DATABASE_URL``) and reads its
content (clips, images, tutorial) from a study folder described by a ``study.json`` manifest
(:mod:`a2i.labeling.manifest`).

This module imports no Flask, so ``a2i --help`` stays fast and the core install works without the [web]
extra; :func:`create_app` imports the web stack when it is called.
"""

from __future__ import annotations

from typing import Any


def create_app(test_config: dict[str, Any] | None = None):
    """Build the labeling application; see :func:`a2i.labeling.app.create_app`."""
    from a2i.errors import require

    require("flask", "web")
    from a2i.labeling.app import create_app as _create_app

    return _create_app(test_config)


__all__ = ["create_app"]
