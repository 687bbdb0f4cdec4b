"""A throwaway PostgreSQL server for the tests: initdb into a temp folder, listen on loopback only.

``start()`` finds the server binaries (``$BRIEFING_PG_BIN``, ``pg_config --bindir``, the Debian
``/usr/lib/postgresql/*/bin``, or ``initdb`` on PATH), runs them as an unprivileged user when the
tests run as root (PostgreSQL refuses root), and returns a ``PgServer`` with a URL to connect to.
It raises ``Unavailable`` with the reason when there is no server to start; the fixtures skip on it.
``python -m tests.pgserver`` starts one and prints its URL until interrupted (for benchmarks).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PgServer", "Unavailable", "start"]


class Unavailable(Exception):
    """No PostgreSQL server could be started here (the reason is the message)."""


def _bindir() -> Path:
    candidates: list[str] = []
    if os.environ.get("BRIEFING_PG_BIN"):
        candidates.append(os.environ["BRIEFING_PG_BIN"])
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                             check=True).stdout.strip())
    candidates.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True))
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb") or "").parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package "
                      "or set BRIEFING_PG_BIN")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    folder: Path
    port: int
    bindir: Path
    user: str
    _run_as: tuple[int, int] | None

    @property
    def url(self) -> str:
        """The maintenance database, as the superuser."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def fresh_url(self, prefix: str = "t") -> str:
        """A URL for a new, empty schema of its own (much cheaper than a database per test)."""
        import psycopg

        schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.url}?options=-csearch_path%3D{schema}"

    def stop(self) -> None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._run([str(self.bindir / "pg_ctl"), "stop", "-D", str(self.folder / "data"), "-m", "immediate",
                       "-w"], timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        def drop() -> None:
            if self._run_as:
                os.setgid(self._run_as[1])
                os.setuid(self._run_as[0])

        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=True,
                              preexec_fn=drop if self._run_as else None, cwd=self.folder)


def start(timeout: float = 120) -> PgServer:
    """Start a private server (fsync off: a test server, nothing to keep) and wait until it answers."""
    bindir = _bindir()
    run_as = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(os.environ.get("BRIEFING_PG_USER", "postgres"))
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run the server as "
                              "(set BRIEFING_PG_USER)") from None
        run_as = (account.pw_uid, account.pw_gid)
    folder = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    if run_as:
        os.chown(folder, *run_as)
    server = PgServer(folder=folder, port=_free_port(), bindir=bindir, user="briefing", _run_as=run_as)
    try:
        server._run([str(bindir / "initdb"), "-D", str(folder / "data"), "-U", server.user, "-A", "trust",
                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], timeout=timeout)
        options = (f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        server._run([str(bindir / "pg_ctl"), "start", "-D", str(folder / "data"), "-l", str(folder / "log"),
                     "-o", options, "-w", "-t", str(int(timeout))], timeout=timeout + 10)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        log = folder / "log"
        if log.is_file():
            detail += " " + log.read_text(errors="replace")[-500:]
        server.stop()
        raise Unavailable(f"the PostgreSQL server in {bindir} did not start: {' '.join(detail.split())[:400]}") \
            from None
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise Unavailable("the PostgreSQL server started but does not answer on loopback") from None
            time.sleep(0.1)


def _serve() -> None:
    """Start a server, print its URL, and stop it (removing its folder) on SIGINT or SIGTERM."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)  # also when started in the background, where SIGINT is ignored
    signal.signal(signal.SIGTERM, stop)
    running = start()
    print(running.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


if __name__ == "__main__":
    _serve()
