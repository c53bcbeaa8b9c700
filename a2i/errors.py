"""The package's one exception hierarchy.

Every error a user can cause derives from :class:`A2IError`, so the CLI can print its message as one clean
line (no traceback) and library callers can catch a single type. Messages name the file, argument or
field at fault and say how to fix it.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class A2IError(Exception):
    """Base class of every error a2i raises on purpose."""


class MissingFileError(A2IError, FileNotFoundError):
    """A file or folder the user named does not exist (an input song, CSV, config, weights folder).

    Also a :class:`FileNotFoundError`, so library callers that catch the built-in keep working.
    """


class A2IWarning(UserWarning):
    """Base class of every warning a2i issues on purpose; only these are shown as ``a2i: warning:``."""


class AudioError(A2IError):
    """An audio file is unreadable, corrupt or empty (a missing one is :class:`MissingFileError`)."""


class ConfigError(A2IError, ValueError):
    """An argument, option or configuration value is invalid."""


class PromptError(A2IError):
    """Prompts could not be generated (LLM unreachable, invalid answer, missing API key)."""


class RenderError(A2IError):
    """A valid request that an image backend could not carry out on this machine: its weights cannot be
    loaded, or the device ran out of memory. (A bad size or option is :class:`ConfigError`; a weights
    folder that does not exist is :class:`MissingFileError`.)"""


class DatasetError(A2IError):
    """A dataset input is malformed or a dataset step failed."""


class OutputError(A2IError):
    """An output path cannot be used: it is an input, holds another run's results, another run is writing
    it, or it cannot be created."""


class MissingExtraError(A2IError, ImportError):
    """An optional dependency group (extra) is not installed."""


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or explain which extra installs it.

    The core stays light by importing heavy packages (torch, diffusers, flask, pandas...) only where they
    are used; this turns the bare ``ImportError`` into an instruction a user can act on.

    Examples
    --------
    >>> np = require("numpy", "core")
    >>> np.__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module!r} is not installed; install the [{extra}] extra: pip install 'a2i[{extra}]'"
            f" (or `make test`, which installs every extra)"
        ) from exc


class EncodeError(A2IError):
    """ffmpeg could not encode, concatenate or mux a video."""
