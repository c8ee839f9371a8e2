"""A throwaway PostgreSQL cluster for the clinic-server tests and benchmark.

``initdb`` and ``pg_ctl`` from Debian's ``postgresql`` package (``tools/bootstrap.py test``
installs it) make a cluster in a temporary folder that listens on a unix socket only, in
that folder: nothing else on the machine can reach it and it never takes a port another
server uses. ``initdb`` refuses to run as root, so as root every server command runs as the
unprivileged ``postgres`` user the package creates, and the folder is handed to that user.

Anything that stops the cluster from starting raises :class:`ClusterError` with the reason
and the server's own log: the tests fail with it, they are never skipped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "clinic_admin"


class ClusterError(RuntimeError):
    pass


def server_bin_dir() -> Path:
    """The folder with ``initdb``/``pg_ctl``: on PATH, else Debian's newest version's."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if not versions:
        raise ClusterError("PostgreSQL's server programs (initdb, pg_ctl) are not installed: install Debian's "
                           "`postgresql` package (python3 tools/bootstrap.py test does it as root).")
    return Path(versions[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One cluster: :meth:`start`, :meth:`dsn` of a database, :meth:`stop`, :meth:`remove`."""

    def __init__(self) -> None:
        self.bin = server_bin_dir()
        self.folder = Path(tempfile.mkdtemp(prefix="microneedle-desk-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self._as: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            import pwd

            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterError("Running as root, the test cluster must run as an unprivileged user, but "
                                   "there is no `postgres` user (Debian's `postgresql` package creates it).") from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            runuser = shutil.which("runuser") or next(
                (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None)
            if runuser is None:
                raise ClusterError("Running as root, `runuser` is needed to start the test cluster as `postgres`.")
            self._as = [runuser, "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")

    def _run(self, program: str, *args: str) -> None:
        cmd = [*self._as, str(self.bin / program), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"`{program} {' '.join(args)}` failed ({done.returncode}): "
                               f"{done.stderr.strip() or done.stdout.strip()}\n{log}")

    def start(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' -p {self.port} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return f"host={self.folder} port={self.port} user={user} dbname={dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def remove(self) -> None:
        with contextlib.suppress(ClusterError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def fresh_clinic(cluster: Cluster) -> str:
    """The DSN of a new database in ``cluster`` with the clinic schema in place."""
    import uuid

    from microneedle_desk.server import schema
    from microneedle_desk.server.connection import connect

    url = cluster.create_database(f"clinic_{uuid.uuid4().hex[:12]}")
    with connect(url) as conn:
        schema.migrate(conn)
    return url
