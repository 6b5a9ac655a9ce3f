"""A lean HTTP/1.1 load generator: keep-alive connections, requests written as bytes, answers
read by their length. It runs on the same cores as the servers, so it must cost little: the
same generator drives intake and the peer, so their ratio is fair whatever it costs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    seconds: float


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self._reader, self._writer

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> Answer:
        reader, writer = await self._open()
        payload = json.dumps(body, separators=(",", ":")).encode()
        head = [f"POST {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += ["Content-Type: application/json", f"Content-Length: {len(payload)}", "", ""]
        started = time.perf_counter()
        writer.write("\r\n".join(head).encode() + payload)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        answer = await reader.readexactly(length)
        return Answer(int(status_line.split()[1]), answer, time.perf_counter() - started)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


async def post_all(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[Any],
    headers: Callable[[int], dict[str, str]],
    in_flight: int,
) -> tuple[float, list[Answer]]:
    """Post every body with ``in_flight`` connections; (seconds, answers in order)."""
    answers: list[Answer | None] = [None] * len(bodies)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)

    async def worker() -> None:
        connection = Connection(host, port)
        try:
            while not queue.empty():
                i = queue.get_nowait()
                answers[i] = await connection.post(path, bodies[i], headers(i))
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.perf_counter() - started
    return elapsed, [a for a in answers if a is not None]
