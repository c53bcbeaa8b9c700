"""Crash-safe file writing shared by every part of a2i.

Every job can be killed at any moment (``kill -9``, a closed laptop lid) and rerun. That only works if a
file is either complete or absent: each writer here writes a temporary file beside the target and moves it
into place with :func:`os.replace`, which is atomic on POSIX and Windows, so a reader never sees half a file
and an earlier run's results are never damaged.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import io
import json
import os
import pwd
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from a2i.errors import ConfigError, MissingFileError, OutputError

if TYPE_CHECKING:  # annotations only: the argument parser imports this module, and needs no Pillow
    from PIL import Image

#: Suffix of the temporary files; a leftover one means a write was interrupted and is safe to delete.
TEMP_SUFFIX = ".a2i-tmp"

# zlib level 1 instead of Pillow's default 6: on a painted 1024 x 1024 picture it encodes about 2.5x faster
# (0.24 -> 0.09 s CPU, measured for issue 13) for files about 9 % larger, and encoding had cost more than
# painting.
PNG_COMPRESS_LEVEL = 1


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is never seen half-written."""
    return _atomic_write(path, lambda handle: handle.write(data))


def _atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Let ``write`` fill a temporary file beside ``path``, then move it into place: the one home of a2i's
    atomic writes, so a reader never sees a half-written file and an error leaves no temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        # mkstemp creates 0600 and os.replace keeps that mode; give the file the mode open() would have.
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None:  # a failed write() names no file; say which (a full disk, a quota)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON atomically; NaN becomes ``null`` so any JSON reader can load it."""
    return atomic_write_text(path, json.dumps(_nan_to_none(obj), indent=2, ensure_ascii=False) + "\n")


def atomic_save_png(image: Image.Image, path: str | os.PathLike) -> Path:
    """Encode a picture as PNG in memory, then write it atomically."""
    return atomic_write_bytes(path, png_bytes(image))


def png_bytes(image: Image.Image) -> bytes:
    """A picture encoded as PNG (``PNG_COMPRESS_LEVEL``), in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def atomic_save_npy(path: str | os.PathLike, array: Any) -> Path:
    """Save a numpy array as ``.npy`` atomically, streamed to the temporary file (no copy in memory).

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> path = atomic_save_npy(Path(tempfile.mkdtemp()) / "x.npy", np.arange(3))
    >>> np.load(path).tolist()
    [0, 1, 2]
    """
    import numpy as np

    return _atomic_write(path, lambda handle: np.save(handle, array))


@contextmanager
def atomic_npy_writer(path: str | os.PathLike, shape: tuple[int, ...], dtype: Any) -> Iterator[Any]:
    """A writable memory-mapped ``.npy`` array, filled piece by piece, moved to ``path`` only when complete.

    For arrays larger than memory (a shard of training targets); an interrupted write leaves no ``path``.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.npy"
    >>> with atomic_npy_writer(target, (2, 3), np.float16) as array:
    ...     array[1] = 7
    >>> np.load(target).tolist()
    [[0.0, 0.0, 0.0], [7.0, 7.0, 7.0]]
    """
    import numpy as np

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~current_umask())
        array = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=tuple(shape))
        yield array
        array.flush()
        del array
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def file_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive ``fcntl`` lock on ``path`` (created if missing) for a ``with`` block: serialises a
    read-modify-write between processes, and the kernel releases it even if the holder is killed."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back).

    Examples
    --------
    >>> 0 <= current_umask() <= 0o777
    True
    """
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_input_file(path: str | os.PathLike, *, what: str = "") -> Path:
    """Refuse, before any work, an input file that does not exist or is a folder.

    Examples
    --------
    >>> check_input_file("no/such/song.mp3")
    Traceback (most recent call last):
    ...
    a2i.errors.MissingFileError: no/such/song.mp3: file not found; check the path
    """
    path = Path(path)
    label = f"{what} {path}".strip()
    if path.is_dir():
        raise ConfigError(f"{label}: is a folder, not a file; name the file itself")
    if not path.exists():
        raise MissingFileError(f"{label}: file not found; check the path")
    if not path.is_file():
        raise ConfigError(f"{label}: is not a regular file (a device, pipe or socket); name the file itself")
    return path


def check_writable_folder(folder: str | os.PathLike, *, what: str) -> None:
    """Refuse, before any work, an output folder that cannot be created or written.

    ``folder`` need not exist: its nearest existing ancestor must be a writable folder. ``what`` names the
    argument in the message (e.g. ``"--out runs/a"``).
    """
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{what}: {existing} is a file, so no folder can be made under it; choose another path")
    try:  # a real write, not os.access: root passes every permission check yet cannot write in /proc
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as exc:
        raise OutputError(f"{what}: cannot write in {existing} ({exc.strerror}); choose a folder you can write "
                          f"to") from None


def check_output_file(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (), what: str = "OUTPUT") -> Path:
    """Refuse, before any work, an output file that is an input, an existing folder, or unwritable.

    Examples
    --------
    >>> import tempfile
    >>> check_output_file(tempfile.gettempdir(), what="OUTPUT")
    Traceback (most recent call last):
    ...
    a2i.errors.OutputError: OUTPUT /tmp: is a folder; name the file to write
    """
    path = Path(path)
    check_not_input(path, inputs, what=what)
    if path.is_dir():
        raise OutputError(f"{what} {path}: is a folder; name the file to write")
    check_writable_folder(path.parent, what=f"{what} {path}")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{what} {path}: is not writable; choose a file you can write")
    return path


def check_rewritable_file(path: str | os.PathLike, *, owned: Callable[[Path], bool], kind: str,
                          inputs: Iterable[str | os.PathLike] = (), what: str = "OUTPUT") -> Path:
    """:func:`check_output_file`, and refuse an existing file unless ``owned(path)`` recognises it as this
    step's own earlier output (which a rerun may replace).

    Why: ``a2i dataset clean IN precious.csv`` once replaced an unrelated file without a word. The message
    says what the file is not and never suggests deleting it.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "precious.csv"
    >>> _ = path.write_text("name,amount\\n")
    >>> check_rewritable_file(path, owned=lambda p: has_columns(p, ["track_id"]), kind="a track list",
    ...                       what="OUTPUT")
    Traceback (most recent call last):
    ...
    a2i.errors.OutputError: OUTPUT .../precious.csv: exists and is not a track list written by a2i (its columns: name, amount), ...
    """
    path = check_output_file(path, inputs=inputs, what=what)
    if path.exists() and not owned(path):
        columns = csv_columns(path) if path.suffix.lower() == ".csv" else None
        found = f" (its columns: {', '.join(columns[:6])}{', ...' if len(columns) > 6 else ''})" if columns else ""
        raise OutputError(f"{what} {path}: exists and is not {kind} written by a2i{found}, so a2i leaves it alone; "
                          f"choose another file name")
    return path


def csv_columns(path: str | os.PathLike) -> list[str] | None:
    """The header row of a CSV file, or ``None`` when it cannot be read as one (reads the first line only).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text('track_id,"artists"\\nx,y\\n')
    >>> csv_columns(path)
    ['track_id', 'artists']
    """
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def has_columns(path: str | os.PathLike, columns: Iterable[str]) -> bool:
    """Whether a CSV file's header holds every one of ``columns`` (how a step recognises its own table)."""
    header = csv_columns(path)
    return header is not None and set(columns) <= set(header)


def check_output_folder(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (), what: str = "OUT") -> Path:
    """Refuse, before any work, an output folder that is (or is one of) the inputs, a file, or unwritable."""
    path = Path(path)
    check_not_input(path, inputs, what=what)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what} {path}: is a file, not a folder; choose another output folder")
    check_writable_folder(path, what=f"{what} {path}")
    return path


def check_not_input(output: str | os.PathLike, inputs: Iterable[str | os.PathLike], *, what: str,
                    contains: bool = False) -> None:
    """Refuse an output that is one of the inputs (or, for an output folder, ``contains`` one).

    Why: ``dataset clean IN IN`` once replaced its own raw input. Paths are compared after resolving
    links, so ``./a.csv`` and ``a.csv`` are the same file.

    Examples
    --------
    >>> check_not_input("a.csv", ["b.csv"], what="OUT")
    >>> check_not_input("a.csv", ["./a.csv"], what="OUT")
    Traceback (most recent call last):
    ...
    a2i.errors.OutputError: OUT a.csv: is also an input; write the output to another path
    """
    out = Path(output).resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == out or (contains and out in source.parents):
            relation = "is also an input" if source == out else f"contains the input {item}"
            raise OutputError(f"{what} {output}: {relation}; write the output to another path")


#: Read size of :func:`content_hash`: large enough that hashing runs at disk speed, small enough to keep
#: memory flat for a two-hour concert recording.
HASH_CHUNK = 1 << 20


def content_hash(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes as 64 hex digits, read in chunks (any file size, flat memory).

    Why: the run record keeps it to recognise a song that was moved, and seeds derive from it, so the same
    audio gives the same pictures wherever it lies and whatever it is called. Remembered per file version
    (absolute path, size, modification time): ``a2i render`` records after every picture, and the planner,
    the record and a moved-song search all ask, yet each song is read once.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as handle:
    ...     _ = handle.write(b"abc")
    >>> content_hash(handle.name)[:16]
    'ba7816bf8f01cfea'
    """
    stat = os.stat(path)
    return _content_hash(os.path.abspath(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _content_hash(path: str, size: int, mtime_ns: int) -> str:
    import hashlib  # here, not at the top: it loads OpenSSL (3 ms), and `a2i analyze` imports this module for nothing else

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _home_folders() -> set[Path]:
    homes = {Path.home().resolve()}
    try:
        homes |= {Path(entry.pw_dir).resolve() for entry in pwd.getpwall() if entry.pw_dir not in ("", "/")}
    except OSError:  # an unreadable user database: the user's own home is still known
        pass
    return homes


def protected_folder(folder: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = ()) -> str | None:
    """Why ``folder`` may never be replaced or emptied by a2i, or ``None`` when nothing forbids it.

    Never: the working directory or a folder above it, a home directory (or a folder above one), a
    filesystem root or mount point, or a folder holding one of the ``inputs`` (the song). This is the
    first check of every ``--overwrite``: what is at stake is a whole project (``--out .`` in a git
    checkout), so it does not depend on what the folder holds.

    Examples
    --------
    >>> protected_folder("/")
    'is the root of a filesystem'
    >>> protected_folder(".")
    'is the current directory'
    >>> protected_folder("no/such/folder/for/a2i") is None
    True
    """
    target = Path(folder).resolve()
    cwd = Path.cwd().resolve()
    if target == cwd:
        return "is the current directory"
    if target == Path(target.anchor) or os.path.ismount(target):
        return "is the root of a filesystem"
    if target in cwd.parents:
        return f"holds the current directory ({cwd})"
    for home in _home_folders():
        if target == home:
            return "is a home directory"
        if target in home.parents:
            return f"holds the home directory {home}"
    for item in inputs:
        if target in Path(item).resolve().parents:
            return f"holds the input {item}"
    return None


def describe_entries(folder: str | os.PathLike, names: Iterable[str] | None = None, *, limit: int = 4) -> str:
    """A short listing of what a folder holds, for refusal messages: ``".git/, README.md, src/ and 2 more"``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "src").mkdir(); _ = (folder / "README.md").write_text("x")
    >>> describe_entries(folder)
    'README.md, src/'
    """
    folder = Path(folder)
    names = sorted(names if names is not None else (p.name for p in folder.iterdir()))
    shown = [name + ("/" if (folder / name).is_dir() else "") for name in names[:limit]]
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def check_replaceable(folder: str | os.PathLike, *, shown: str, overwrite: bool,
                      owned: Callable[[Path], set[str] | None], kind: str) -> None:
    """The ``--overwrite`` policy, in one place: refuse to write over ``folder`` unless it is new, empty,
    or a folder a2i wrote holding nothing else, and then only with ``overwrite``.

    Why: ``a2i generate SONG --out . --overwrite`` once deleted a git checkout. A folder is replaced only
    when ``owned`` recognises every entry in it (for a run folder, :func:`run_files`); a folder holding
    anything else is refused with or without ``--overwrite``, and the message lists what is there and
    never suggests ``--overwrite``. (Where a folder may never be replaced at all, whatever it holds,
    is :func:`protected_folder`.)

    Parameters
    ----------
    folder : path
        The folder about to be replaced.
    shown : str
        The argument as the user wrote it, for messages (``"--out runs/a"``).
    overwrite : bool
        Whether the user asked to replace an earlier result.
    owned : callable
        ``owned(folder)``: the names in it that a2i wrote, or ``None`` when it is not a2i's
        (:func:`a2i.outputs.run_files` for a run folder).
    kind : str
        What an owned folder holds, for messages (``"a run"``, ``"an explorer data folder"``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "return.pdf").write_text("x")
    >>> check_replaceable(folder, shown="--out t", overwrite=True, owned=lambda f: None, kind="a run")
    Traceback (most recent call last):
    ...
    a2i.errors.OutputError: --out t: holds files a2i did not write (return.pdf) and a2i replaces only its own folders; ...
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    entries = {entry.name for entry in folder.iterdir()}
    if not entries:
        return
    ours = owned(folder)
    if ours is None:
        raise OutputError(f"{shown}: holds files a2i did not write ({describe_entries(folder, entries)}) and a2i "
                          f"replaces only its own folders; choose a new output folder")
    others = entries - ours
    if others:
        raise OutputError(f"{shown}: holds {kind} of a2i and files a2i did not write ({describe_entries(folder, others)}); "
                          f"a2i will not replace them; move them out of the folder, or choose a new output folder")
    if not overwrite:
        raise OutputError(f"{shown}: holds another run's results; pass --overwrite to replace them, or choose "
                          f"another output folder")


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {key: _nan_to_none(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(value) for value in obj]
    return obj
