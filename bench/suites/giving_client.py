"""A donor's browser and a payment provider, on asyncio streams, for the giving suite.

`bench.client.Connection` sends GETs and keeps nothing; a gift needs more of a browser: cookies kept between
requests (the CSRF cookie), form POSTs, redirects read from `Location`, the CSRF token read from the page. Each
request opens its own connection (gunicorn's sync workers close it after every response anyway), and a donor
can open it from an address of their own: Linux routes all of 127.0.0.0/8 to the loopback, so a campaign's
thousands of donors reach the server as thousands of client addresses, as they would through a load balancer,
and the portal's per-address limit on gifts started is measured as it works, not tripped by one address.
"""

import asyncio
import contextlib
import ipaddress
import itertools
import re
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode, urlsplit

from bench.client import HttpError

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
APPROVED_CARD = "4242 4242 4242 4242"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key == name), "")

    def csrf_token(self) -> str:
        found = TOKEN.search(self.body)
        if found is None:
            raise HttpError(f"HTTP {self.status}: no CSRF token in the page")
        return unescape(found.group(1).decode())


def donor_addresses(start: int = 0):
    """127.1.0.0, 127.1.0.1, ... : one loopback address per donor (16 million before they repeat)."""
    first = int(ipaddress.IPv4Address("127.1.0.0"))
    for number in itertools.count(start):
        yield str(ipaddress.IPv4Address(first + number % (254 * 65536)))


def server_address(base_url: str) -> tuple[str, int]:
    url = urlsplit(base_url)
    host = url.hostname or "127.0.0.1"
    # A loopback client address can reach only an IPv4 server address ("localhost" may resolve to ::1 first).
    host = socket.getaddrinfo(host, url.port or 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    return host, url.port or 80


class Browser:
    """Requests from one client: cookies kept, forms posted, redirects reported (not followed)."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.address: str | None = None  # the client address the next connections are opened from

    def forget(self) -> None:
        """A new donor: no cookies."""
        self.cookies.clear()

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post_form(self, path: str, fields: dict[str, str]) -> Response:
        body = urlencode(fields).encode()
        return await self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> Response:
        local = (self.address, 0) if self.address else None
        reader, writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Encoding: identity"]
            if self.cookies:
                lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            if body or method == "POST":
                lines.append(f"Content-Length: {len(body)}")
            lines.append("Connection: close")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            response = await asyncio.wait_for(_read(reader), self.timeout)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        for name, value in response.headers:
            if name == "set-cookie":
                cookie, _sep, _attributes = value.partition(";")
                key, _eq, content = cookie.partition("=")
                self.cookies[key.strip()] = content.strip()
        return response


async def _read(reader: asyncio.StreamReader) -> Response:
    status_line = await reader.readline()
    if not status_line:
        raise HttpError("connection closed before a response")
    status = int(status_line.split(b" ", 2)[1])
    headers: list[tuple[str, str]] = []
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _sep, value = line.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    found = dict(headers)
    if found.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while size := int((await reader.readline()).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
        return Response(status, headers, bytes(body))
    if "content-length" in found:
        return Response(status, headers, await reader.readexactly(int(found["content-length"])))
    return Response(status, headers, await reader.read())


def _expect(response: Response, status: int, step: str) -> Response:
    if response.status != status:
        raise HttpError(f"{step}: HTTP {response.status}, expected {status}")
    return response


def _location(response: Response, step: str) -> str:
    location = urlsplit(response.header("location"))
    if not location.path:
        raise HttpError(f"{step}: no redirect")
    return location.path + (f"?{location.query}" if location.query else "")


@dataclass
class Gift:
    """What a donor gives, and where: the case's public code and the portal's form fields."""

    case_code: str
    amount: str
    gift_kind: str
    anonymous: bool = False
    donor_name: str = ""
    donor_email: str = ""
    language: str = "en"


@dataclass
class Steps:
    """Seconds spent in each step of the gifts that completed, to split a gift's latency."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    gifts: int = 0

    def mean_ms(self) -> dict[str, float]:
        return {step: 1000 * total / self.gifts for step, total in self.seconds.items()} if self.gifts else {}


STEPS = ("case page", "give (POST)", "checkout page", "pay (POST): charge, signed callback, ledger", "thank-you page")


async def give(browser: Browser, gift: Gift, steps: Steps | None = None) -> None:
    """One gift as a donor's browser makes it with the sandbox provider: the case page (the CSRF cookie and
    token), the gift form posted (the portal opens the charge and redirects to the provider's checkout), the
    checkout page, Pay with the approved test card (the provider records the payment and delivers its signed
    callback, which credits the gift in the ledger, then redirects back), and the thank-you page, which must
    say the gift is received."""
    timings: list[float] = [time.perf_counter()]
    case_page = f"/{gift.language}/giving/cases/{gift.case_code}/"
    page = _expect(await browser.get(case_page), 200, "case page")
    timings.append(time.perf_counter())
    fields = {
        "csrfmiddlewaretoken": page.csrf_token(),
        "amount": gift.amount,
        "gift_kind": gift.gift_kind,
        "overflow": "campaign",
        "donor_name": gift.donor_name,
        "donor_email": gift.donor_email,
    }
    if gift.anonymous:
        fields["anonymous"] = "on"
    checkout = _location(_expect(await browser.post_form(case_page, fields), 302, "give"), "give")
    timings.append(time.perf_counter())
    page = _expect(await browser.get(checkout), 200, "checkout page")
    timings.append(time.perf_counter())
    card = {"csrfmiddlewaretoken": page.csrf_token(), "card_number": APPROVED_CARD, "expiry": "12/30", "cvc": "123"}
    thanks = _location(_expect(await browser.post_form(checkout, card), 302, "pay"), "pay")
    timings.append(time.perf_counter())
    page = _expect(await browser.get(thanks), 200, "thank-you page")
    if b"/giving/receipts/" not in page.body:
        raise HttpError("thank-you page: the gift is not marked received")
    timings.append(time.perf_counter())
    if steps is not None:
        steps.gifts += 1
        for step, (started, ended) in zip(STEPS, itertools.pairwise(timings), strict=True):
            steps.seconds[step] += ended - started


async def callback(browser: Browser, path: str, body: bytes, signature: str, header: str) -> None:
    """The provider's signed callback, POSTed as a real provider's webhook: the gift must be credited."""
    response = await browser.request("POST", path, body, {"Content-Type": "application/json", header: signature})
    _expect(response, 200, "callback")
    if b'"credited"' not in response.body:
        raise HttpError(f"callback: {response.body[:120]!r}")


async def post_empty(browser: Browser, path: str) -> None:
    _expect(await browser.request("POST", path), 200, path)
