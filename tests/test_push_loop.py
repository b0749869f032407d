"""The sender's push loop (webapp/reminders/pushloop.py): many pushes from one thread over
non-blocking keep-alive connections, with what a thread per push gave — HTTPS with the server's
certificate checked, a timeout per message, connections the push service closed while idle
noticed before use, answers read whole however they are framed, and nothing followed or retried.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections import namedtuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.pushservice import PushService, b64url_encode, generate_vapid_keys, public_key_b64
from webapp.reminders.pushloop import BadAnswer, PushLoop, ThreadedPushes, parse_answer, pushes
from webapp.reminders.send import Push, PushConnections

SUBJECT = "mailto:ops@example.com"


Device = namedtuple("Device", "endpoint p256dh auth")


def push_to(device, number: int) -> Push:
    return Push(device.endpoint, device.p256dh, device.auth, {"n": number}, ttl=60, topic=f"t{number}")


@pytest.fixture
def keys():
    return generate_vapid_keys()


def self_signed(tmp_path) -> tuple[ssl.SSLContext, str]:
    """A server context for 127.0.0.1 and the path of its certificate (the client's CA bundle)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "push.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


def test_many_pushes_from_one_thread_each_arrive_once_verified_and_decrypted(keys):
    private, public = keys
    connections = PushConnections(4)
    with PushService(vapid_public_key=public, answer_delay=0.02) as push:
        devices = [push.new_subscription() for _ in range(40)]
        with PushLoop(connections, 4, private_key=private, subject=SUBJECT) as loop:
            first = loop.start((n, push_to(d, n)) for n, d in enumerate(devices[:25]))
            second = loop.start((n, push_to(d, n)) for n, d in enumerate(devices[25:], start=25))
            results = first.results() + second.results()
        assert [tag for tag, _, _ in results] == list(range(40))
        assert {delivery.status for _, delivery, _ in results} == {201}
        assert push.rejected == []
        assert [push.messages_for(d)[0].json() for d in devices] == [{"n": n} for n in range(40)]
        assert {m.topic for m in push.received} == {f"t{n}" for n in range(40)}
    connections.close()


def test_over_https_the_push_services_certificate_is_checked(keys, tmp_path):
    private, public = keys
    server_tls, ca_bundle = self_signed(tmp_path)
    with PushService(vapid_public_key=public, tls=server_tls) as push:
        assert push.origin.startswith("https://")
        devices = [push.new_subscription() for _ in range(6)]
        trusting = PushConnections(2, ca_bundle)
        with PushLoop(trusting, 2, private_key=private, subject=SUBJECT) as loop:
            results = loop.start((n, push_to(d, n)) for n, d in enumerate(devices)).results()
        assert [delivery.status for _, delivery, _ in results] == [201] * 6
        assert len(push.received) == 6
        trusting.close()
        # Without the certificate in its bundle the sender sends nothing.
        doubting = PushConnections(2)
        with PushLoop(doubting, 2, private_key=private, subject=SUBJECT) as loop:
            [(_, delivery, _)] = loop.start([(0, push_to(devices[0], 99))]).results()
        assert delivery.status is None and "CERTIFICATE_VERIFY_FAILED" in delivery.error
        assert len(push.received) == 6
        doubting.close()


def test_a_push_service_that_does_not_answer_in_time_fails_that_message_only(keys):
    private, public = keys
    connections = PushConnections(2)
    with PushService(vapid_public_key=public) as push:
        slow, fine = push.new_subscription(), push.new_subscription()
        push.fail_next(slow.endpoint, 201, hang=2)
        started = time.monotonic()
        with PushLoop(connections, 2, private_key=private, subject=SUBJECT, timeout=0.3) as loop:
            results = dict(
                (tag, delivery)
                for tag, delivery, _ in loop.start(
                    [("slow", push_to(slow, 0)), ("fine", push_to(fine, 1))]
                ).results()
            )
        assert time.monotonic() - started < 1.5
        assert results["slow"].status is None and results["slow"].error.startswith("TimeoutError")
        assert results["fine"].status == 201
    connections.close()


class OneAnswerPerConnection:
    """A push service that answers 201 once per connection, then closes it (without saying so
    first), as a real one does with a connection left idle too long."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.hung_up = threading.Semaphore(0)  # released each time it has closed a connection
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with client:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += client.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        v
                        for k, _, v in (line.partition(b":") for line in head.split(b"\r\n"))
                        if k.lower() == b"content-length"
                    )
                )
                while len(body) < length:
                    body += client.recv(65536)
                self.requests.append(head)
                client.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
            self.hung_up.release()

    def close(self):
        self.server.close()


def test_a_connection_the_push_service_closed_while_idle_is_not_used_again(keys):
    private, _public = keys
    service = OneAnswerPerConnection()
    device = Device(
        f"{service.origin}/push/x",
        public_key_b64(ec.generate_private_key(ec.SECP256R1())),
        b64url_encode(bytes(16)),
    )
    connections = PushConnections(1)
    with PushLoop(connections, 1, private_key=private, subject=SUBJECT) as loop:
        assert loop.start([(0, push_to(device, 0))]).results()[0][1].status == 201
        assert service.hung_up.acquire(timeout=10)  # closed while idle in the loop
        assert loop.start([(1, push_to(device, 1))]).results()[0][1].status == 201
    assert service.hung_up.acquire(timeout=10)  # closed while idle between passes
    with PushLoop(connections, 1, private_key=private, subject=SUBJECT) as loop:
        assert loop.start([(2, push_to(device, 2))]).results()[0][1].status == 201
    assert service.connections == 3 and len(service.requests) == 3
    connections.close()
    service.close()


def test_connections_are_kept_alive_between_passes(keys):
    private, public = keys
    connections = PushConnections(2)
    with PushService(vapid_public_key=public) as push:
        device = push.new_subscription()
        ports = []
        for n in range(3):
            with PushLoop(connections, 1, private_key=private, subject=SUBJECT) as loop:
                assert loop.start([(n, push_to(device, n))]).results()[0][1].status == 201
            [kept] = next(iter(connections._idle_sockets.values()))
            ports.append(kept.sock.getsockname()[1])
        assert len(set(ports)) == 1, "the same connection each time"
        assert len(push.received) == 3
    connections.close()


def test_an_endpoint_that_is_not_a_push_endpoint_fails_without_a_request(keys):
    private, _public = keys
    connections = PushConnections(1)
    with PushLoop(connections, 1, private_key=private, subject=SUBJECT) as loop:
        bad = Push("http://user:pw@127.0.0.1:1/x", "k", "a", {}, ttl=60, topic="t")
        [(_, delivery, _)] = loop.start([(0, bad)]).results()
    assert delivery.status is None and delivery.error.startswith("ValueError")
    connections.close()


def test_a_proxy_session_is_sent_through_threads():
    private, _public = generate_vapid_keys()

    class Session:
        def post(self, *args):  # pragma: no cover - never reached: the keys are bad
            raise AssertionError

    sender = pushes(Session(), 2, private_key=private, subject=SUBJECT)
    assert isinstance(sender, ThreadedPushes)
    with sender:
        [(tag, delivery, _)] = sender.start(
            [("x", Push("http://127.0.0.1:1/x", "bad", "bad", {}, 60, "t"))]
        ).results()
    assert tag == "x" and delivery.status is None
    assert isinstance(
        pushes(PushConnections(1), 1, private_key=private, subject=SUBJECT).__enter__(), PushLoop
    )


@pytest.mark.parametrize(
    "chunks, status, body, keep",
    [
        ([b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"], 201, b"", True),
        ([b"HTTP/1.1 410 Gone\r\nContent-Len", b"gth: 4\r\n\r\ngo", b"ne"], 410, b"gone", True),
        (
            [
                b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
                b"2;x=y\r\nde\r\n0\r\n\r\n",
            ],
            400,
            b"abcde",
            True,
        ),
        ([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"], 201, b"", True),
        ([b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"], 201, b"", False),
        ([b"HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n"], 201, b"", False),
        ([b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200"], 201, b"", False),
    ],
)
def test_answers_are_read_whole_however_they_are_framed_or_split(chunks, status, body, keep):
    inbox = bytearray()
    for n, chunk in enumerate(chunks):
        inbox += chunk
        answer, kept = parse_answer(inbox, closed=False)
        if n < len(chunks) - 1:
            assert answer is None, "not before it is all there"
    assert (answer.status, answer.body, kept) == (status, body, keep)


def test_an_answer_without_a_length_runs_to_the_close_and_a_cut_one_is_an_error():
    inbox = bytearray(b"HTTP/1.1 500 Oops\r\nRetry-After: 30\r\n\r\nsorry")
    assert parse_answer(inbox, closed=False) == (None, True)
    answer, keep = parse_answer(inbox, closed=True)
    assert (answer.status, answer.retry_after, answer.body, keep) == (500, "30", b"sorry", False)
    with pytest.raises(ConnectionResetError):
        parse_answer(bytearray(b"HTTP/1.1 201 Created\r\nContent-Length: 9\r\n\r\nabc"), closed=True)
    with pytest.raises(ConnectionResetError):
        parse_answer(bytearray(), closed=True)
    with pytest.raises(BadAnswer):
        parse_answer(bytearray(b"SPDY/3 200 OK\r\n\r\n"), closed=False)


def test_a_device_whose_keys_cannot_be_used_fails_alone_and_the_rest_are_sent(keys):
    private, public = keys
    connections = PushConnections(2)
    with PushService(vapid_public_key=public) as push:
        good = push.new_subscription()
        broken = Device(good.endpoint, b64url_encode(b"\x04" + bytes(64)), good.auth)
        with PushLoop(connections, 2, private_key=private, subject=SUBJECT) as loop:
            results = loop.start([("broken", push_to(broken, 0)), ("good", push_to(good, 1))]).results()
        outcomes = {tag: delivery for tag, delivery, _ in results}
        assert outcomes["broken"].status is None and outcomes["broken"].error.startswith("ValueError")
        assert outcomes["good"].status == 201
        assert [m.json() for m in push.received] == [{"n": 1}]
    connections.close()


def test_a_loop_that_breaks_keeps_what_was_answered_and_fails_the_rest(keys, monkeypatch):
    # What was answered is recorded (never sent again when the lease ends); the rest go back to
    # the outbox as failed deliveries; no batch waits for ever.
    private, public = keys
    connections = PushConnections(2)
    with PushService(vapid_public_key=public) as push:
        device = push.new_subscription()
        loop = PushLoop(connections, 1, private_key=private, subject=SUBJECT)
        begin = loop._begin

        def begin_then_break(job):
            if job.index == 1:
                raise ZeroDivisionError("a bug in the loop")
            begin(job)

        monkeypatch.setattr(loop, "_begin", begin_then_break)
        results = loop.start([("first", push_to(device, 0)), ("second", push_to(device, 1))]).results()
        assert [tag for tag, _delivery, _ms in results] == ["first", "second"]
        assert results[0][1].status == 201
        assert results[1][1].status is None and results[1][1].error.startswith("ZeroDivisionError")
        with pytest.raises(RuntimeError):
            loop.start([("third", push_to(device, 2))])
        loop.close()
        assert [m.json() for m in push.received] == [{"n": 0}]
    connections.close()


def test_a_host_that_does_not_resolve_is_asked_for_once_per_pass(keys, monkeypatch):
    import webapp.reminders.pushloop as pushloop

    asked = []

    def no_answer(host, *args, **kwargs):
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(pushloop.socket, "getaddrinfo", no_answer)
    private, _public = keys
    device = Device(
        "https://push.example.invalid/push/x",
        public_key_b64(ec.generate_private_key(ec.SECP256R1())),
        b64url_encode(bytes(16)),
    )
    connections = PushConnections(2)
    with PushLoop(connections, 2, private_key=private, subject=SUBJECT) as loop:
        results = loop.start([(n, push_to(device, n)) for n in range(3)]).results()
    connections.close()
    assert asked == ["push.example.invalid"]
    assert all(
        delivery.status is None and delivery.error.startswith("gaierror") for _t, delivery, _ms in results
    )


def test_an_idle_connection_closed_since_the_loop_last_looked_is_not_written_to(keys, monkeypatch):
    from webapp.reminders.pushloop import _Connection, endpoint_target

    private, _public = keys
    origin, _path = endpoint_target("http://127.0.0.1:1/push/x")
    ours, theirs = socket.socketpair()
    theirs.close()  # the push service hung up after the loop's last look at the connection
    stale = _Connection(origin, ours, tls=False)
    connections = PushConnections(1)
    with PushLoop(connections, 1, private_key=private, subject=SUBJECT) as loop:
        monkeypatch.setattr(loop, "_open", lambda _origin: "a new connection")
        loop._idle[origin] = [stale]
        assert loop._connection_to(origin) == "a new connection"
    assert ours.fileno() == -1, "the closed one is closed here too"
    connections.close()
