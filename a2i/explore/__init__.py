"""The valence × arousal explorer: every song on a map as its picture, with its clip on hover.

``create_app({"DATA_DIR": folder})`` builds the Flask app over a folder of per-track JSON files (the thesis's explorer
format, see :mod:`a2i.explore.data`); ``a2i explore serve DIR`` runs it and ``a2i explore build SONGS --out DIR``
makes such a folder from songs with a2i's own pipeline. Flask is imported only when the app is built.
"""

from a2i.explore.data import Collection, Track, Variant, load_collection, parse_track, write_track

__all__ = ["Collection", "Track", "Variant", "create_app", "load_collection", "parse_track", "write_track"]


def create_app(test_config=None):  # noqa: ANN001, ANN201 - the signature of a2i.explore.app.create_app
    """Build the explorer app; see :func:`a2i.explore.app.create_app` (imported lazily: it needs flask)."""
    from a2i.explore.app import create_app as _create_app

    return _create_app(test_config)
