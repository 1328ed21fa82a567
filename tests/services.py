"""Real servers that tests and benchmarks start on 127.0.0.1 and stop after: PostgreSQL, Ray.

PostgreSQL comes from Debian's ``postgresql`` package (``.ci/run`` installs it): a
throw-away cluster under a temporary folder, run by an unprivileged user when this process
is root (postgres refuses to run as root), with a random password. A Ray head is started
with ``ray start --head --block`` as a child process, so stopping it ends exactly the Ray
processes it started (``ray stop`` would end every Ray process of this user).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from agent.evaluation.ray_workers import LOOPBACK_ENV as RAY_LOOPBACK_ENV
from tests.processes import stop


class ServiceMissing(RuntimeError):
    """A server program is not installed on this machine."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (initdb, postgres)."""
    found = shutil.which("initdb") or shutil.which("postgres")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not versions:
        raise ServiceMissing("PostgreSQL is not installed: apt-get install -y postgresql")
    return Path(versions[-1]).parent


def _server_user() -> str | None:
    """Who runs the server: nobody special unless we are root, then ``postgres`` or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServiceMissing("running as root and no unprivileged user (postgres, nobody) exists")


class PostgresServer:
    """A temporary PostgreSQL cluster on 127.0.0.1; ``url`` connects with a password.

    ``durable=False`` turns fsync off (tests: speed); benchmarks keep the defaults.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.bin = postgres_bin()
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.durable = durable
        self.proc: subprocess.Popen[bytes] | None = None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        pwfile.chmod(0o600)
        subprocess.run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "parley",
             "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-instructions"],
            check=True, capture_output=True, user=self.user,
        )  # fmt: skip
        pwfile.unlink()

    @property
    def url(self) -> str:
        return f"postgresql://parley:{self.password}@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 60) -> None:
        """Start the server (again, on the same port and data) and wait until it accepts."""
        settings = ["-c", "shared_buffers=32MB", "-c", "max_connections=100"]
        if not self.durable:
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off",
                         "-c", "full_page_writes=off"]  # fmt: skip
        log = (self.root / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-h", "127.0.0.1",
             "-p", str(self.port), "-k", str(self.root), *settings],
            stdout=log, stderr=subprocess.STDOUT, user=self.user,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log()[-2000:]}")
            if self._accepts():
                return
            time.sleep(0.2)
        raise RuntimeError(f"postgres did not accept connections in {timeout:.0f} s")

    def _accepts(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are cut, data is kept)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        """Stop the server and remove its files."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A running temporary PostgreSQL server, removed afterwards."""
    server = PostgresServer(durable=durable)
    try:
        server.start()
        yield server
    finally:
        server.close()


def ray_executable() -> str:
    """The ``ray`` command of this environment (the ``ray`` package on PyPI)."""
    exe = Path(sys.executable).parent / "ray"
    if exe.exists():
        return str(exe)
    found = shutil.which("ray")
    if not found:
        raise ServiceMissing("the ray command is missing: pip install 'ray>=2.40,<3'")
    return found


@contextmanager
def ray_head(*, cpus: int = 2, timeout: float = 120) -> Iterator[str]:
    """A Ray head on 127.0.0.1 (its address, ``127.0.0.1:PORT``), stopped afterwards.

    The head's workers import Parley from this checkout: it is put first on their path.
    Ray stays on the loopback address (``RAY_LOOPBACK_ENV``); a driver joining it needs the
    same setting, which ``agent.evaluation.ray_workers.connect`` makes for 127.0.0.1.
    """
    port = free_port()
    temp = Path(tempfile.mkdtemp(prefix="ray"))  # short: Ray's socket paths must fit 107 bytes
    log = (temp / "head.log").open("wb")
    repo = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "RAY_USAGE_STATS_ENABLED": "0", RAY_LOOPBACK_ENV: "0"}
    env.pop("RAY_ADDRESS", None)
    proc = subprocess.Popen(
        [ray_executable(), "start", "--head", "--block", "--port", str(port),
         "--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus), "--num-gpus", "0",
         "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", str(temp),
         "--object-store-memory", str(200 * 1024 * 1024)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    log.close()
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                text = (temp / "head.log").read_text(errors="replace")
                raise RuntimeError(f"ray start exited: {text[-2000:]}")
            if "Ray runtime started" in (temp / "head.log").read_text(errors="replace"):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"the Ray head did not start within {timeout:.0f} s")
        yield address
    finally:
        # SIGTERM makes `ray start --block` end the processes it started; then anything of
        # its process group that is left.
        stop(proc, timeout=60)
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)
