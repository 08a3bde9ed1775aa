"""A throwaway PostgreSQL + PostGIS cluster for the tests (``from pgcluster import ...``).

The cluster lives in a temporary folder, listens on 127.0.0.1 and a unix socket in that
folder, and is removed when the tests end. As root it runs as the ``postgres`` user
(PostgreSQL refuses to run as root). Host logins use passwords (scram), so the tests can
prove what a wrong password looks like; socket logins are trusted, for setting up roles.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")]


@dataclass(frozen=True)
class Cluster:
    """A running cluster: superuser URL pieces and where it lives."""

    folder: Path
    port: int
    password: str

    def url(self, db: str = "regionmap_test", user: str = "postgres", password: str = "") -> str:
        """A ``postgresql://`` URL on the TCP port (password login)."""
        return f"postgresql://{user}:{password or self.password}@127.0.0.1:{self.port}/{db}"

    def sql(self, sql: str, db: str = "regionmap_test") -> list[tuple]:
        """Run SQL as the superuser; return the rows of the last statement (if any)."""
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def psql(self, sql: str, db: str = "regionmap_test") -> str:
        """Run SQL as the superuser over the unix socket; return psql's output."""
        out = _run_as_owner(
            [
                str(_bin("psql")),
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.folder),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-c",
                sql,
            ]
        )
        return out.stdout


@dataclass(frozen=True)
class ExternalCluster(Cluster):
    """A server given by ``REGIONMAP_TEST_PG`` (a superuser URL of a PostGIS database)."""

    given: str = ""

    def __init__(self, url: str) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        object.__setattr__(self, "given", url)
        object.__setattr__(self, "folder", Path("."))
        object.__setattr__(self, "port", parts.port or 5432)
        object.__setattr__(self, "password", unquote(parts.password or ""))
        object.__setattr__(self, "host", parts.hostname or "127.0.0.1")
        object.__setattr__(self, "user", unquote(parts.username or "postgres"))
        object.__setattr__(self, "db", parts.path.lstrip("/") or "postgres")

    def url(self, db: str = "", user: str = "", password: str = "") -> str:
        pw = password or (self.password if not user else "")
        return f"postgresql://{user or self.user}:{pw}@{self.host}:{self.port}/{db or self.db}"


def _bin(name: str) -> Path:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def binaries_missing() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    try:
        _bin("initdb")
    except FileNotFoundError:
        return "PostgreSQL server binaries (initdb) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start postgres as its own user"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    return None


def _run_as_owner(args: list[str], **kw: object) -> subprocess.CompletedProcess:
    """Run a server command as the cluster owner (postgres when we are root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def _free_port(preferred: int = 55432) -> int:
    for port in (preferred, 0):
        with contextlib.closing(socket.socket()) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Create, start and finally remove a cluster with a ``regionmap_test`` PostGIS database."""
    folder = Path(tempfile.mkdtemp(prefix="regionmap-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    password = secrets.token_hex(12)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    data = folder / "data"
    port = _free_port()
    started = False
    try:
        _run_as_owner(
            [
                str(_bin("initdb")),
                "-D",
                str(data),
                "-U",
                "postgres",
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        _run_as_owner(
            [
                str(_bin("pg_ctl")),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        started = True
        cluster = Cluster(folder, port, password)
        cluster.psql("CREATE DATABASE regionmap_test", db="postgres")
        cluster.psql("CREATE EXTENSION postgis")
        yield cluster
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                _run_as_owner([str(_bin("pg_ctl")), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
