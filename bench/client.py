"""A small load generator on asyncio streams: HTTP/1.1 GETs over keep-alive connections (reopened when the
server closes them, as gunicorn's sync workers do after every response), bounded in requests and in time.

`run_load` is generic: it drives any coroutine, so the raw-SQL baseline runs through the same loop and the
same statistics as the pages.
"""

import asyncio
import contextlib
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    """Latencies (seconds) of the requests that finished, errors, and the wall time of the run."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    concurrency: int = 0
    first_error: str = ""

    @property
    def count(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


class HttpError(Exception):
    pass


class Connection:
    """One client connection to host:port, reopened transparently when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Encoding: identity"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            status, response_headers, body = await asyncio.wait_for(self._response(), self.timeout)
        except BaseException:
            await self.close()
            raise
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def _response(self) -> tuple[int, dict[str, str], bytes]:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise HttpError("connection closed before a response")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return status, headers, await self._chunked()
        if "content-length" in headers:
            return status, headers, await self.reader.readexactly(int(headers["content-length"]))
        headers["connection"] = "close"  # the body runs until the server closes
        return status, headers, await self.reader.read()

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        body = bytearray()
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return bytes(body)
            body += await self.reader.readexactly(size)
            await self.reader.readline()

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


Operation = Callable[[object, object], Awaitable[None]]


async def run_load(
    make_worker_state: Callable[[], Awaitable[object]],
    operation: Operation,
    items: Sequence,
    *,
    concurrency: int,
    requests: int,
    seconds: float,
    close_worker_state: Callable[[object], Awaitable[None]] | None = None,
) -> Result:
    """`concurrency` workers share the items in turn and call `operation(state, item)` until `requests` are
    done or `seconds` have passed. An operation raising is an error; its latency is not counted."""
    result = Result(concurrency=concurrency)
    turn = itertools.cycle(items)
    remaining = itertools.count()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        state = await make_worker_state()
        try:
            while next(remaining) < requests and time.perf_counter() < deadline:
                item = next(turn)
                started = time.perf_counter()
                try:
                    await operation(state, item)
                except Exception as error:  # counted, reported once, the run goes on
                    result.errors += 1
                    result.first_error = result.first_error or f"{item}: {error!r}"[:300]
                    continue
                result.latencies.append(time.perf_counter() - started)
        finally:
            if close_worker_state is not None:
                await close_worker_state(state)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


async def http_load(
    base_url: str,
    paths: Sequence[str],
    *,
    headers: dict[str, str] | None = None,
    concurrency: int,
    requests: int,
    seconds: float,
    expect: Sequence[int] = (200,),
) -> Result:
    """GET the paths in turn from `concurrency` connections; any status not in `expect` is an error."""
    url = urlsplit(base_url)

    async def connect() -> Connection:
        return Connection(url.hostname or "127.0.0.1", url.port or 80)

    async def get(connection: Connection, path: str) -> None:
        status, _body = await connection.get(path, headers)
        if status not in expect:
            raise HttpError(f"HTTP {status}")

    async def close(connection: Connection) -> None:
        await connection.close()

    return await run_load(
        connect,
        get,
        paths,
        concurrency=concurrency,
        requests=requests,
        seconds=seconds,
        close_worker_state=close,
    )
