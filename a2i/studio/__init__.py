"""``a2i studio``: the whole job (song in, pictures and a music video out) in a local web page.

Built on the library's own API, so everything the page does is scriptable: the analyzer, the prompt writer
and the painter (:mod:`a2i.studio.work`), the run-folder schema (:mod:`a2i.outputs`: each song's folder is
one ``a2i generate`` writes, read by the CLI, the explorer and the study site) and
:func:`a2i.video.make.make_video`. Long work runs in a worker process (:mod:`a2i.studio.worker`) from a job
queue on disk (:mod:`a2i.studio.jobs`) that survives a page reload and a server restart.

Needs the ``studio`` extra (Flask): ``pip install 'a2i[studio]'``.
"""

from __future__ import annotations


def create_app(test_config=None):  # noqa: ANN001, ANN201 - see a2i.studio.app.create_app
    """The studio's Flask app (:func:`a2i.studio.app.create_app`); imported lazily so ``a2i --help`` stays fast."""
    from a2i.studio.app import create_app as factory

    return factory(test_config)


__all__ = ["create_app"]
