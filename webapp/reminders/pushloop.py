"""Sending many Web Push messages at once from one thread: non-blocking keep-alive connections.

A thread per message in flight (32 of them, each blocked on its push service's ~50 ms answer)
cost the sender more CPU than encrypting: every answer woke a thread, which then fought the
others for the interpreter lock (bench/push_fanout.py, issue 17: 0.76–0.85 ms of CPU per message
sent from a pool of 32 threads against 0.43–0.46 ms from one thread with a selector). So one
thread writes each request on an HTTP/1.1 keep-alive connection (one request in flight per
connection, as http.client would) and reads the answers as they come, encrypting the next
message when a connection is free.

The guarantees `deliver` gives are kept: the host connected to is the one `is_allowed_endpoint`
checked (`endpoint_origin`), redirects are never followed, nothing is retried here (the outbox
retries), a connection the push service closed while idle is noticed before it is used again,
and every message has its `TIMEOUT_SECONDS` (connecting, the TLS handshake, sending and the
answer). Through a proxy the sender uses `ThreadedPushes` (urllib3 knows proxies; this doesn't).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from urllib3.util.wait import wait_for_read

from webapp.reminders.core import DEFAULT_PORTS, Origin, endpoint_target
from webapp.reminders.send import (
    _DELIVERY_ERRORS,
    TIMEOUT_SECONDS,
    VAPID_HEADERS,
    Answer,
    Delivery,
    Push,
    PushConnections,
    VapidHeaders,
    _delivery,
    _failure,
    deliver,
    encrypted,
)

log = logging.getLogger("rebound.reminders")

# An answer's head and body are read whole; a push service's are a few hundred bytes at most.
MAX_ANSWER_BYTES = 1 << 20


class BadAnswer(ValueError):
    """The push service's answer was not HTTP/1.1 as a push service speaks it."""


class Batch:
    """Pushes handed over together; `results()` waits for all of them."""

    def __init__(self, tags: list):
        self._results: list[tuple[Any, Delivery, float] | None] = [None] * len(tags)
        self._tags = tags
        self._left = len(tags)
        self._done = threading.Event()
        if not tags:
            self._done.set()

    def _finish(self, index: int, delivery: Delivery, elapsed_ms: float) -> None:
        self._results[index] = (self._tags[index], delivery, elapsed_ms)
        self._left -= 1
        if self._left == 0:
            self._done.set()

    def _fail(self, error: BaseException) -> None:
        # The loop broke (a bug, not an answer). What was answered stands, so the sender records
        # it and never sends it again once the lease ends; the rest fail as an unanswered push
        # does and go back to the outbox for a retry.
        for index, result in enumerate(self._results):
            if result is None:
                self._results[index] = (self._tags[index], _failure(error), 0.0)
        self._left = 0
        self._done.set()

    def results(self) -> list[tuple[Any, Delivery, float]]:
        """(tag, delivery, milliseconds from encrypting to the answer) per push, in the order given."""
        self._done.wait()
        return self._results  # type: ignore[return-value]


class _Job:
    __slots__ = ("batch", "index", "push", "started", "deadline")

    def __init__(self, batch: Batch, index: int, push: Push):
        self.batch, self.index, self.push = batch, index, push


# A connection's steps. READ is also where an idle one waits: readable while idle means closed.
_CONNECTING, _HANDSHAKE, _WRITE, _READ = range(4)


class _Connection:
    __slots__ = ("origin", "sock", "step", "events", "job", "out", "inbox", "addresses", "tls")

    def __init__(self, origin: Origin, sock, tls: bool):
        self.origin, self.sock, self.tls = origin, sock, tls
        self.step = _READ
        self.events = 0
        self.job: _Job | None = None
        self.out = memoryview(b"")
        self.inbox = bytearray()
        self.addresses: list = []

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()


class PushLoop:
    """Pushes over `connections`, at most `concurrency` in flight, from one thread of its own.

    `start(pushes)` hands a batch over without waiting; `close()` waits for what is in flight,
    then leaves the idle connections in `connections` for the next pass."""

    def __init__(
        self,
        connections: PushConnections,
        concurrency: int,
        *,
        private_key: str,
        subject: str,
        timeout: float = TIMEOUT_SECONDS,
        vapid: VapidHeaders = VAPID_HEADERS,
    ):
        self._connections = connections
        self._concurrency = max(1, concurrency)
        self._key, self._subject, self._timeout, self._vapid = private_key, subject, timeout, vapid
        self._selector = selectors.DefaultSelector()
        self._inbox: deque[_Job] = deque()  # handed over by start(), under _lock
        self._lock = threading.Lock()
        self._closing = False
        self._waiting: deque[_Job] = deque()
        self._busy: set[_Connection] = set()
        self._idle: dict[Origin, list[_Connection]] = {}
        self._addresses: dict[Origin, list | OSError] = {}
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, name="push-loop", daemon=True)
        self._thread.start()

    def __enter__(self) -> PushLoop:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, pushes: Iterable[tuple[Any, Push]]) -> Batch:
        pushes = list(pushes)
        batch = Batch([tag for tag, _ in pushes])
        if pushes:
            jobs = [_Job(batch, index, push) for index, (_, push) in enumerate(pushes)]
            with self._lock:
                if self._closing:
                    raise RuntimeError("the push loop is closed")
                self._inbox.extend(jobs)
            self._wake()
        return batch

    def close(self) -> None:
        with self._lock:
            self._closing = True
        self._wake()
        self._thread.join()
        self._wake_reader.close()
        self._wake_writer.close()
        self._selector.close()

    def _wake(self) -> None:
        # BlockingIOError: already woken, bytes are waiting to be read.
        with contextlib.suppress(BlockingIOError):
            self._wake_writer.send(b"x")

    # -- the loop's thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as error:
            # A bug, not a push service's answer: every batch still waiting is told, none hangs.
            with self._lock:
                self._closing = True
            for job in [*self._waiting, *(c.job for c in self._busy if c.job), *self._inbox]:
                job.batch._fail(error)
            for connection in [*self._busy, *(c for idle in self._idle.values() for c in idle)]:
                connection.close()
            self._idle.clear()  # none of them goes back to the pool
            # Each push not answered is a failed delivery in its batch's results; the log says why.
            log.exception("the push loop stopped")
        finally:
            for origin, idle in self._idle.items():
                for connection in idle:
                    self._forget(connection)
                    self._connections.give_socket(origin, connection)
            self._idle.clear()

    def _loop(self) -> None:
        select = self._selector.select
        while True:
            with self._lock:
                self._waiting.extend(self._inbox)
                self._inbox.clear()
                closing = self._closing
            while self._waiting and len(self._busy) < self._concurrency:
                job = self._waiting.popleft()
                try:
                    self._begin(job)
                except BaseException:
                    self._waiting.appendleft(job)  # for _run to fail its batch with the rest
                    raise
            if closing and not self._waiting and not self._busy:
                return
            timeout = None
            if self._busy:
                timeout = max(0.0, min(c.job.deadline for c in self._busy) - time.monotonic())
            for key, _events in select(timeout):
                connection = key.data
                if connection is None:  # woken by start() or close(): the bytes say nothing
                    with contextlib.suppress(BlockingIOError):
                        while self._wake_reader.recv(4096):
                            pass
                elif connection.job is None:
                    self._drop_idle(connection)  # closed by the push service, or sent something unasked
                else:
                    self._step(connection)
            if self._busy:
                now = time.monotonic()
                for connection in [c for c in self._busy if c.job.deadline <= now]:
                    self._fail(connection, TimeoutError("timed out"))

    def _begin(self, job: _Job) -> None:
        job.started = time.perf_counter()
        job.deadline = time.monotonic() + self._timeout
        push = job.push
        try:
            target = endpoint_target(push.endpoint)
            if target is None:
                raise ValueError("not a push endpoint URL")
            origin, path = target
            body, headers = encrypted(push, self._key, self._subject, self._vapid)
            request = _request(origin, path, headers, body)
            connection = self._connection_to(origin)
        except _DELIVERY_ERRORS as error:
            self._done(job, _failure(error))
            return
        connection.job = job
        connection.out = memoryview(request)
        connection.inbox.clear()
        self._busy.add(connection)
        if connection.step == _READ:  # connected: straight to writing
            connection.step = _WRITE
            self._step(connection)
        # else connecting: the selector says when it is ready

    def _connection_to(self, origin: Origin) -> _Connection:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if wait_for_read(connection.sock, timeout=0.0):
                # Closed by the push service after the loop last looked (or it sent something
                # unasked): as with a pooled socket, never written to.
                self._forget(connection)
                connection.close()
                continue
            return connection
        while True:
            kept = self._connections.take_socket(origin)
            if kept is None:
                break
            if wait_for_read(kept.sock, timeout=0.0):
                kept.close()  # closed by the push service while idle (or sent something unasked)
                continue
            self._want(kept, selectors.EVENT_READ)
            return kept
        return self._open(origin)

    def _open(self, origin: Origin) -> _Connection:
        if origin not in self._addresses:
            host = origin.host.strip("[]")
            try:
                self._addresses[origin] = socket.getaddrinfo(host, origin.port, type=socket.SOCK_STREAM)
            except OSError as error:
                # Remembered as well: in a resolver outage every push to the host would wait for
                # it again, one after another, in the loop's only thread.
                self._addresses[origin] = error
        found = self._addresses[origin]
        if isinstance(found, OSError):
            raise type(found)(*found.args)
        connection = _Connection(origin, None, origin.scheme == "https")
        connection.addresses = list(found)
        self._connect_next(connection)
        return connection

    def _connect_next(self, connection: _Connection) -> None:
        """Start connecting to the next of the host's addresses (as socket.create_connection tries each)."""
        error: OSError | None = None
        while connection.addresses:
            family, kind, proto, _name, address = connection.addresses.pop(0)
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            code = sock.connect_ex(address)
            if code in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
                if connection.sock is not None:
                    self._forget(connection)
                    connection.sock.close()
                connection.sock = sock
                connection.step = _CONNECTING
                self._want(connection, selectors.EVENT_WRITE)
                return
            sock.close()
            error = OSError(code, errno.errorcode.get(code, "connect failed"))
        raise error or OSError(errno.EHOSTUNREACH, "no address to connect to")

    def _want(self, connection: _Connection, events: int) -> None:
        if connection.events == events:
            return
        if connection.events:
            self._selector.modify(connection.sock, events, connection)
        else:
            self._selector.register(connection.sock, events, connection)
        connection.events = events

    def _forget(self, connection: _Connection) -> None:
        if connection.events:
            self._selector.unregister(connection.sock)
            connection.events = 0

    def _step(self, connection: _Connection) -> None:
        """Take a busy connection as far as it can go without waiting."""
        try:
            if connection.step == _CONNECTING:
                code = connection.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    if connection.addresses:
                        self._connect_next(connection)
                        return
                    raise OSError(code, errno.errorcode.get(code, "connect failed"))
                if connection.tls:
                    self._forget(connection)
                    connection.sock = self._connections.tls.wrap_socket(
                        connection.sock,
                        server_hostname=connection.origin.host.strip("[]"),
                        do_handshake_on_connect=False,
                    )
                    connection.step = _HANDSHAKE
                else:
                    connection.step = _WRITE
            if connection.step == _HANDSHAKE:
                try:
                    connection.sock.do_handshake()
                except ssl.SSLWantReadError:
                    self._want(connection, selectors.EVENT_READ)
                    return
                except ssl.SSLWantWriteError:
                    self._want(connection, selectors.EVENT_WRITE)
                    return
                connection.step = _WRITE
            if connection.step == _WRITE:
                while connection.out:
                    try:
                        sent = connection.sock.send(connection.out)
                    except (BlockingIOError, ssl.SSLWantWriteError):
                        self._want(connection, selectors.EVENT_WRITE)
                        return
                    except ssl.SSLWantReadError:
                        self._want(connection, selectors.EVENT_READ)
                        return
                    connection.out = connection.out[sent:]
                connection.step = _READ
                self._want(connection, selectors.EVENT_READ)
                return  # the answer is at least a round trip away
            answer, keep = self._read(connection)
        except _DELIVERY_ERRORS as error:
            self._fail(connection, error)
            return
        if answer is None:
            return
        job = connection.job
        connection.job = None
        self._busy.discard(connection)
        if keep:
            self._idle.setdefault(connection.origin, []).append(connection)
        else:
            self._forget(connection)
            connection.close()
        self._done(job, _delivery(answer))

    def _read(self, connection: _Connection) -> tuple[Answer | None, bool]:
        closed = False
        while True:
            try:
                data = connection.sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError):
                # Back to waiting for bytes after a TLS want-write: left on write interest, an
                # always-writable socket would wake the loop without end.
                self._want(connection, selectors.EVENT_READ)
                break
            except ssl.SSLWantWriteError:
                self._want(connection, selectors.EVENT_WRITE)
                break
            if not data:
                closed = True
                break
            connection.inbox += data
            if len(connection.inbox) > MAX_ANSWER_BYTES:
                raise BadAnswer("answer too long")
            # Plain sockets: the selector reports more; TLS may hold decrypted bytes it won't.
            if not connection.tls or not connection.sock.pending():
                break
        return parse_answer(connection.inbox, closed)

    def _drop_idle(self, connection: _Connection) -> None:
        self._forget(connection)
        connection.close()
        idle = self._idle.get(connection.origin, [])
        if connection in idle:
            idle.remove(connection)

    def _fail(self, connection: _Connection, error: BaseException) -> None:
        job = connection.job
        connection.job = None
        self._busy.discard(connection)
        self._forget(connection)
        if connection.sock is not None:
            connection.close()
        self._done(job, _failure(error))

    def _done(self, job: _Job, delivery: Delivery) -> None:
        job.batch._finish(job.index, delivery, (time.perf_counter() - job.started) * 1000)


def _request(origin: Origin, target: str, headers: dict[str, str], body: bytes) -> bytes:
    """The request's bytes, written in one go. Every value is the sender's own (no CR or LF can
    come from a device: `endpoint_origin` admits only URI characters)."""
    host = origin.host if origin.port == DEFAULT_PORTS[origin.scheme] else f"{origin.host}:{origin.port}"
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}", "Accept-Encoding: identity"]
    for name, value in headers.items():
        if "\n" in value or "\r" in value:
            raise ValueError(f"the {name} header has a line break")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}\r\n\r\n")
    return "\r\n".join(lines).encode("latin-1") + body


def parse_answer(inbox: bytearray, closed: bool) -> tuple[Answer | None, bool]:
    """The push service's answer at the start of `inbox` (None while more is to come), and whether
    the connection may carry another request. `closed`: the push service closed the connection."""
    while True:
        end = inbox.find(b"\r\n\r\n")
        if end < 0:
            if closed:
                raise ConnectionResetError("the push service closed the connection without answering")
            return None, True
        lines = bytes(inbox[:end]).decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise BadAnswer(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        status = int(code)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise BadAnswer(f"not a header line: {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        if 100 <= status < 200:  # informational (e.g. 100 Continue): the real answer follows
            del inbox[: end + 4]
            continue
        break
    start = end + 4
    keep = not closed
    connection = headers.get("connection", "").lower()
    if "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection):
        keep = False
    if status in (204, 304):
        body, after = b"", start
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        parsed = _chunked(inbox, start)
        if parsed is None:
            if closed:
                raise ConnectionResetError("the push service closed the connection mid-answer")
            return None, True
        body, after = parsed
    elif "content-length" in headers:
        length = headers["content-length"]
        if not length.isdigit():
            raise BadAnswer(f"Content-Length {length[:40]!r}")
        after = start + int(length)
        if len(inbox) < after:
            if closed:
                raise ConnectionResetError("the push service closed the connection mid-answer")
            return None, True
        body = bytes(inbox[start:after])
    else:  # the body runs to the end of the connection
        if not closed:
            return None, True
        body, after, keep = bytes(inbox[start:]), len(inbox), False
    if len(inbox) > after:
        keep = False  # something unasked after the answer
    return Answer(status, headers.get("retry-after"), body), keep


def _chunked(inbox: bytearray, at: int) -> tuple[bytes, int] | None:
    """A chunked body from `at`: (body, where it ends), or None while more is to come."""
    parts = []
    while True:
        line_end = inbox.find(b"\r\n", at)
        if line_end < 0:
            return None
        size_text = bytes(inbox[at:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadAnswer(f"chunk size {size_text[:20]!r}") from None
        at = line_end + 2
        if size == 0:
            # Trailer lines, if any, end with an empty line.
            while True:
                line_end = inbox.find(b"\r\n", at)
                if line_end < 0:
                    return None
                if line_end == at:
                    return b"".join(parts), at + 2
                at = line_end + 2
        if len(inbox) < at + size + 2:
            return None
        parts.append(bytes(inbox[at : at + size]))
        at += size + 2


class ThreadedPushes:
    """`PushLoop`'s interface over any session with `post` (urllib3 through a proxy): a thread
    per push in flight, each calling `deliver`."""

    def __init__(
        self,
        session,
        concurrency: int,
        *,
        private_key: str,
        subject: str,
        timeout: float = TIMEOUT_SECONDS,
        vapid: VapidHeaders = VAPID_HEADERS,
    ):
        from concurrent.futures import ThreadPoolExecutor

        self._session = session
        self._options = {"private_key": private_key, "subject": subject, "timeout": timeout, "vapid": vapid}
        self._pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="push")

    def __enter__(self) -> ThreadedPushes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, pushes: Iterable[tuple[Any, Push]]) -> _Futures:
        return _Futures([(tag, self._pool.submit(self._one, push)) for tag, push in pushes])

    def _one(self, push: Push) -> tuple[Delivery, float]:
        started = time.perf_counter()
        delivery = deliver(
            self._session,
            push.endpoint,
            push.p256dh,
            push.auth,
            push.message,
            ttl=push.ttl,
            topic=push.topic,
            urgency=push.urgency,
            **self._options,
        )
        return delivery, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class _Futures:
    def __init__(self, futures: list):
        self._futures = futures

    def results(self) -> list[tuple[Any, Delivery, float]]:
        return [(tag, *future.result()) for tag, future in self._futures]


def pushes(session, concurrency: int, *, private_key: str, subject: str) -> PushLoop | ThreadedPushes:
    """What sends a pass's pushes: the one-thread loop over `PushConnections`, threads otherwise."""
    options = {"private_key": private_key, "subject": subject}
    if isinstance(session, PushConnections):
        return PushLoop(session, concurrency, **options)
    return ThreadedPushes(session, concurrency, **options)
