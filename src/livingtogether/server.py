"""The HTTP server of ``livingtogether serve``: gunicorn when installed, else wsgiref.

With the ``serve`` extra (``pip install 'livingtogether[serve]'``) the command
runs gunicorn: ``workers`` processes of ``threads`` threads each (gunicorn's
``gthread`` worker), a listen backlog of ``backlog``, and every read from a
client's socket (request line, headers, body) waiting at most
``read_timeout`` seconds, so that a client that stops sending (a request that
promises 5,000 bytes and sends 10) holds a thread for that long at most, and
the other threads keep serving. Each worker opens its own
:class:`~livingtogether.Observatory` (its own database pool and widget cache)
after the fork; the database is migrated once, before.

Without gunicorn it falls back to the standard library's ``wsgiref`` in one
process, a thread per connection, with the same backlog and read timeout.
Both say which server they are when they start.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
from collections.abc import Callable
from importlib import metadata
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import attrs

from .console import port_error
from .errors import ConfigurationError

#: A function that builds the WSGI application, called in each serving process.
AppFactory = Callable[[], Any]


@attrs.frozen(kw_only=True)
class ServeOptions:
    """How to serve: where, with which server, how many workers and threads, timeouts."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: ``auto`` (gunicorn if installed, else wsgiref), ``gunicorn`` or ``wsgiref``
    server: str = "auto"
    #: gunicorn's worker processes
    workers: int = 2
    #: threads per gunicorn worker
    threads: int = 4
    #: seconds each read from a client may wait before the connection is cut
    read_timeout: float = 10.0
    #: connections the kernel queues before the server accepts them
    backlog: int = 2048


def has_gunicorn() -> bool:
    """Whether gunicorn can be imported (the ``serve`` extra is installed)."""
    try:
        import gunicorn  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def chosen(options: ServeOptions) -> str:
    """The server ``options`` ask for: ``gunicorn`` or ``wsgiref``; ``ConfigurationError``
    if gunicorn is asked for and missing."""
    if options.server == "wsgiref":
        return "wsgiref"
    if has_gunicorn():
        return "gunicorn"
    if options.server == "gunicorn":
        raise ConfigurationError(
            "gunicorn is not installed; install it with pip install 'livingtogether[serve]', "
            "or serve with --server wsgiref", field="server")
    return "wsgiref"


def run(factory: AppFactory, options: ServeOptions, *,
        say: Callable[[str], None]) -> None:
    """Serve the application ``factory`` builds until interrupted (Ctrl-C, SIGTERM);
    ``ConfigurationError`` if the port cannot be listened on (taken, privileged)."""
    if chosen(options) == "gunicorn":
        check_port(options.host, options.port)  # gunicorn would retry, then log and exit 1
        _run_gunicorn(factory, options, say)
    else:
        _run_wsgiref(factory, options, say)


def check_port(host: str, port: int) -> None:
    """``ConfigurationError`` saying why ``host:port`` cannot be listened on, if it cannot
    (bound the way gunicorn binds, with ``SO_REUSEADDR``, then released)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise port_error(error, host, port) from None


# -- wsgiref, the fallback


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 2048


class _Handler(WSGIRequestHandler):
    #: socketserver applies it to the connection's socket: each read waits this long at most
    timeout = 10.0

    def log_message(self, format: str, *values: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % values}\n")


def _run_wsgiref(factory: AppFactory, options: ServeOptions,
                 say: Callable[[str], None]) -> None:
    server_class = type("Server", (_Server,), {"request_queue_size": options.backlog})
    handler_class = type("Handler", (_Handler,), {"timeout": options.read_timeout})
    try:
        server: WSGIServer = make_server(options.host, options.port, factory(),
                                         server_class=server_class, handler_class=handler_class)
    except OSError as error:
        raise port_error(error, options.host, options.port) from None
    with server:
        port = server.server_address[1]
        say(f"serving http://{options.host}:{port}/ with wsgiref (the standard library: one "
            f"process, a thread per connection, read timeout {options.read_timeout:g} s; "
            f"install livingtogether[serve] for gunicorn) (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


# -- gunicorn


def _timed_socket_class(seconds: float) -> type[socket.socket]:
    """A socket whose blocking mode waits ``seconds`` at most for each read or write.

    gunicorn's threads make a connection's socket blocking (no timeout) before
    they read the request; this socket turns that into a timeout, so a client
    that stops sending is cut after ``seconds`` however it stalls.
    """

    class TimedSocket(socket.socket):
        #: whether a read timed out: the connection is then closed, not kept alive
        __slots__ = ("timed_out",)

        def setblocking(self, flag: bool) -> None:
            if flag:
                self.settimeout(seconds)
            else:
                super().setblocking(False)

        def recv(self, *args: Any) -> bytes:
            try:
                return super().recv(*args)
            except TimeoutError:
                self.timed_out = True
                raise

    return TimedSocket


def _worker_class(seconds: float) -> type:
    from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

    timed = _timed_socket_class(seconds)

    class TimedThreadWorker(ThreadWorker):  # type: ignore[misc]
        """gunicorn's threaded worker, with a read timeout on every client socket."""

        def enqueue_req(self, conn: Any) -> None:
            if not isinstance(conn.sock, timed):
                # the same connection (file descriptor), in a socket that times out;
                # non-blocking until a thread takes it, as gunicorn left it
                conn.sock = timed(fileno=conn.sock.detach())
                conn.sock.setblocking(False)
            super().enqueue_req(conn)

        def handle_request(self, req: Any, conn: Any) -> bool:
            keep_alive = bool(super().handle_request(req, conn))
            if getattr(conn.sock, "timed_out", False):
                # A read timed out (answered 408): cut the connection now. Not kept alive
                # (its body would be drained), nor closed gracefully (gunicorn's main
                # thread would linger for the client's FIN, one stalled client after
                # another).
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)
                return False
            return keep_alive

    return TimedThreadWorker


def _run_gunicorn(factory: AppFactory, options: ServeOptions,
                  say: Callable[[str], None]) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    version = metadata.version("gunicorn")
    config = {
        "bind": f"{options.host}:{options.port}",
        "workers": options.workers,
        "threads": options.threads,
        "worker_class": _worker_class(options.read_timeout),
        "backlog": options.backlog,
        # a worker silent this long (stuck) is restarted; reads are bounded well below it
        "timeout": max(30, int(options.read_timeout * 3)),
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-",
        "preload_app": False,  # each worker builds its own Observatory after the fork
        # gunicorn 24+: no control socket in the home folder, which two servers would share
        "control_socket_disable": True,
    }

    def when_ready(arbiter: Any) -> None:
        ports = [str(listener.sock.getsockname()[1]) for listener in arbiter.LISTENERS]
        say(f"serving http://{options.host}:{ports[0]}/ with gunicorn {version} "
            f"({options.workers} worker{'s' if options.workers != 1 else ''} x "
            f"{options.threads} thread{'s' if options.threads != 1 else ''}, read timeout "
            f"{options.read_timeout:g} s) (Ctrl-C to stop)")

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {**config, "when_ready": when_ready}.items():
                if key in self.cfg.settings:  # a setting of this gunicorn version
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return factory()

    Application().run()
