"""A throwaway ``redis-server`` for tests, demos and examples of the server's backplane.

:class:`RedisServer` starts the ``redis-server`` found on PATH on a free loopback port, in a
temporary directory, with persistence off (``--save '' --appendonly no``), waits (bounded) until
it answers ``PING``, and stops it (bounded) on :meth:`RedisServer.stop` or at the end of a
``with`` block. :func:`redis_url_from_env` reads ``$FNC_REDIS_URL`` for an existing server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from types import TracebackType
from urllib.parse import quote

__all__ = ["REDIS_PACKAGE_HINT", "RedisServer", "RedisUnavailable", "find_redis_server",
           "redis_url_from_env"]

REDIS_PACKAGE_HINT = ("no redis-server on PATH: install the Debian/Ubuntu package "
                      "'redis-server' (apt-get install redis-server) or set $FNC_REDIS_URL")
STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class RedisUnavailable(RuntimeError):
    """No ``redis-server`` could be found or started."""


def find_redis_server() -> str | None:
    """The path of ``redis-server`` on PATH, or None."""
    return shutil.which("redis-server")


def redis_url_from_env() -> str | None:
    """``$FNC_REDIS_URL`` when set and not empty."""
    return os.environ.get("FNC_REDIS_URL") or None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int, password: str, timeout: float, ca_file: str = "") -> bool:
    """Whether a Redis server answers PING on 127.0.0.1:port (raw RESP, no client needed);
    over TLS, trusting ``ca_file``, when it is given."""
    try:
        with contextlib.ExitStack() as stack:
            s = stack.enter_context(socket.create_connection(("127.0.0.1", port),
                                                             timeout=timeout))
            if ca_file:
                context = ssl.create_default_context(cafile=ca_file)
                s = stack.enter_context(context.wrap_socket(s, server_hostname="127.0.0.1"))
            s.settimeout(timeout)
            if password:
                s.sendall(b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(password),
                                                                    password.encode()))
                if not s.recv(64).startswith(b"+OK"):
                    return False
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except (OSError, ssl.SSLError):
        return False


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1 (see the module docstring).

    ``password`` sets ``--requirepass``. ``tls``, a (certificate, key, CA certificate) triple of
    PEM files, serves TLS only (``rediss://``; clients are not asked for certificates).
    ``port`` 0 picks a free port; :meth:`restart` keeps the port, so clients configured with
    :attr:`url` find the server again.
    """

    def __init__(self, port: int = 0, password: str = "",
                 tls: tuple[str, str, str] | None = None) -> None:
        self.executable = find_redis_server()
        if self.executable is None:
            raise RedisUnavailable(REDIS_PACKAGE_HINT)
        self.port = port or _free_port()
        self.password = password
        self.tls = tls
        self._dir = tempfile.TemporaryDirectory(prefix="fnc-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://[:password@]127.0.0.1:port/0``."""
        auth = f":{self.password}@" if self.password else ""
        if self.tls:
            return (f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs="
                    f"{quote(self.tls[2], safe='/')}")
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = STARTUP_TIMEOUT) -> RedisServer:
        """Start the server and wait until it answers PING (RedisUnavailable after
        ``timeout`` s)."""
        if self.running:
            return self
        if self.tls:
            cert, key, ca = self.tls
            ports = ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", cert,
                     "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no"]
        else:
            ports = ["--port", str(self.port)]
        args = [self.executable or "redis-server", *ports, "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self._dir.name,
                "--daemonize", "no", "--loglevel", "warning"]
        if self.password:
            args += ["--requirepass", self.password]
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr \
                    else ""
                raise RedisUnavailable(f"redis-server exited with {self._proc.returncode}: "
                                       f"{err.strip()[-500:]}")
            if _ping(self.port, self.password, 0.5, self.tls[2] if self.tls else ""):
                return self
            try:
                self._proc.wait(0.05)  # bounded pause between pings; returns early if it exits
            except subprocess.TimeoutExpired:
                pass
        self.stop()
        raise RedisUnavailable(f"redis-server did not answer PING on port {self.port} within "
                               f"{timeout} s")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after STOP_TIMEOUT s)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)  # a paused server could not act on SIGTERM
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
        if proc.stderr is not None:
            proc.stderr.close()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing is answered, as
        with an overloaded or unreachable Redis. :meth:`resume` undoes it."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT)."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def restart(self, timeout: float = STARTUP_TIMEOUT) -> RedisServer:
        """Stop, then start again on the same port."""
        self.stop()
        return self.start(timeout)

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
