"""A second lane of work beside the main thread: for the hashing and CRC-32 of a wheel's data,
which release the GIL on large pieces, while the main thread reads and inflates.

Pure: one helper thread, no process. Calls run one at a time, in the order they were given, so
a hash fed piece by piece sees its pieces in order; at most :data:`DEPTH` calls wait, so memory
stays bounded (the pieces they hold) whatever the data.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

DEPTH = 4
"""How many calls may wait for the lane before the main thread waits for the oldest."""

WORTH = 64 << 10
"""The smallest piece worth handing to the lane: below it, the hand-over costs more than the
work (and hashlib and zlib keep the GIL for small pieces anyway)."""


class Lane:
    """One helper thread running calls in order, a few behind the thread that gives them; a
    context manager (the thread ends with the block)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="maturin-cross-lane")
        self._waiting: collections.deque[Future[object]] = collections.deque()

    def run(self, call: Callable[[bytes], object], data: bytes) -> None:
        """``call(data)`` on the lane, after every call given before it; data of less than
        :data:`WORTH` bytes is done here at once, after what the lane still has to do."""
        if len(data) < WORTH:
            self.wait()
            call(data)
            return
        self._waiting.append(self._pool.submit(call, data))
        while len(self._waiting) > DEPTH:
            self._waiting.popleft().result()

    def wait(self) -> None:
        """Wait until every call given has run; raises the first one's exception."""
        while self._waiting:
            self._waiting.popleft().result()

    def __enter__(self) -> Lane:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for future in self._waiting:
            future.cancel()
        self._waiting.clear()
        self._pool.shutdown(wait=True)
