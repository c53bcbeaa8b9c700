"""A throwaway PostgreSQL server (``initdb`` + ``pg_ctl`` in a temporary folder) for tests and benchmarks.

The labeling site offers PostgreSQL through ``DATABASE_URL``; this runs the same migrations, study flow and
load against a real server without touching any installed cluster. The server listens on a Unix socket in
its own folder only (no TCP port), trusts local connections, and is deleted when stopped. PostgreSQL refuses
to run as root, so under root (containers, CI) it runs as ``nobody``.

Examples
--------
>>> import shutil
>>> available() == bool(shutil.which("pg_ctl") or bin_dir())
True
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from a2i.errors import ConfigError

#: The database role the tests connect as (a superuser of the throwaway cluster).
ROLE = "a2i"


def bin_dir() -> Path | None:
    """Debian's PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``), newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]), reverse=True)
    return Path(found[0]).parent if found else None


def available() -> bool:
    """True when a PostgreSQL server can be started here (``make system-deps`` installs it)."""
    return bin_dir() is not None


class ThrowawayPostgres:
    """Start with :meth:`start` (returns the SQLAlchemy URL), stop and delete with :meth:`stop`."""

    def __init__(self) -> None:
        binaries = bin_dir()
        if binaries is None:
            raise ConfigError("PostgreSQL is not installed: run `make system-deps` (apt-get install postgresql)")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="a2i-pg-"))
        self.data = self.folder / "data"
        self._user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse root
            nobody = pwd.getpwnam("nobody")
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
            self._user = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{ROLE}@/{ROLE}?host={self.folder}"

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self._user, *args], capture_output=True, text=True, check=False,
                              env=dict(os.environ, LC_ALL="C.UTF-8"))
        if proc.returncode != 0:
            raise ConfigError(f"{Path(args[0]).name} failed: {(proc.stderr or proc.stdout).strip()[-400:]}")

    def start(self) -> str:
        """Create the cluster and its database, start the server; returns the SQLAlchemy URL."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        options = f"-c listen_addresses='' -c unix_socket_directories={self.folder} -c fsync=on -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.folder / "server.log"), "start")
        self._run(str(self.bin / "createdb"), "-h", str(self.folder), "-U", ROLE, ROLE)
        return self.url

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                           capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
