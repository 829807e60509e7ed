"""support/lanes.py: calls run on the second thread in the order given, a few at most waiting,
and a failure comes back to the thread that waits."""

from __future__ import annotations

import hashlib
import threading

import pytest

from maturin_cross.support import lanes


def test_a_hash_fed_through_the_lane_is_the_hash_of_the_data() -> None:
    pieces = [bytes([n]) * size for n, size in enumerate([10, 1 << 20, 5, 3 << 17, 1 << 16, 7])]
    hasher = hashlib.sha256()
    with lanes.Lane() as lane:
        for piece in pieces:
            lane.run(hasher.update, piece)
        lane.wait()
    assert hasher.digest() == hashlib.sha256(b"".join(pieces)).digest()


def test_large_pieces_run_on_the_other_thread_in_order_and_few_wait() -> None:
    seen: list[tuple[int, str]] = []
    release = threading.Event()

    def record(data: bytes) -> None:
        release.wait(5)
        seen.append((data[0], threading.current_thread().name))

    big = lanes.WORTH
    with lanes.Lane() as lane:
        for number in range(lanes.DEPTH):
            lane.run(record, bytes([number]) * big)
        assert seen == []  # all waiting: the thread that gives them is not held up
        release.set()
        lane.run(record, bytes([99]) * big)
        lane.wait()
    assert [number for number, _ in seen] == [*range(lanes.DEPTH), 99]
    assert all(name.startswith("maturin-cross-lane") for _, name in seen)


def test_a_failure_on_the_lane_is_raised_to_the_thread_that_waits() -> None:
    def failing(data: bytes) -> None:
        raise OSError("no room")

    with lanes.Lane() as lane:
        lane.run(failing, bytes(lanes.WORTH))
        with pytest.raises(OSError, match="no room"):
            lane.wait()
