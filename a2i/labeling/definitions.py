"""The study's definition kept in the database, versioned: what every export reads instead of the folder.

A study folder can move, change or be missing on the machine that exports. So each distinct manifest the
site serves is stored once (:class:`~a2i.labeling.models.StudyDefinition`, keyed by its content digest;
its row id is the version number) when ``a2i label init-db`` runs and whenever the site starts with a
manifest the database has not seen; every answer records the version it was given under. The exports read
the attention checks and the pictures' provenance from these rows, so an export with or without the study
folder gives the same tables.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from a2i.errors import ConfigError
from a2i.labeling.db import db
from a2i.labeling.manifest import Study, parse_study
from a2i.labeling.models import StudyDefinition

#: Where the app keeps the version number of the study it serves.
VERSION_KEY = "a2i_study_version"


def record(study: Study) -> int:
    """Store ``study``'s manifest unless an identical one is stored; returns its version (commits).

    Two workers starting at once may both insert it; the unique digest lets one win and the other reads it.
    """
    found = db.session.execute(select(StudyDefinition.id).where(StudyDefinition.digest == study.digest)).scalar()
    if found is not None:
        db.session.commit()
        return found
    row = StudyDefinition(digest=study.digest, manifest=study.manifest)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.execute(select(StudyDefinition.id).where(StudyDefinition.digest == study.digest)).scalar_one()
    return row.id


def record_served(app: Flask) -> int | None:
    """Record the study ``app`` serves, once its database has the table (``init-db`` creates it); keep its
    version in ``app.extensions``. Returns the version, or ``None`` when there is no study or no table yet."""
    study = app.extensions.get("a2i_study")
    if study is None:
        return None
    with app.app_context():
        if not inspect(db.engine).has_table(StudyDefinition.__tablename__):
            return None
        version = record(study)
    app.extensions[VERSION_KEY] = version
    return version


def stored() -> dict[int, Study]:
    """Every stored definition by version, parsed (no file checks: the folder need not be here)."""
    rows = db.session.execute(select(StudyDefinition).order_by(StudyDefinition.id)).scalars().all()
    return {row.id: parse_study(row.manifest, f"study definition {row.id} in the database", None) for row in rows}


def for_export(needed: bool) -> tuple[dict[int, Study], int | None]:
    """The stored definitions and the version that answers recorded before versions existed belong to
    (the served study's, else the newest).

    Raises
    ------
    ConfigError
        ``needed`` (there are answers to export) but the database holds no definition: without one an
        export cannot tell attention checks from data.
    """
    definitions = stored()
    if not definitions:
        if needed:
            raise ConfigError("the database holds no study definition, so the export cannot tell attention "
                              "checks from data: run `a2i label init-db --study DIR` once with the study folder "
                              "(it records study.json in the database), then export again")
        return {}, None
    from flask import current_app

    served = current_app.extensions.get(VERSION_KEY)
    return definitions, served if served in definitions else max(definitions)
