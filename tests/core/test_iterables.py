"""core.iterables.batched: consecutive fixed-size lists from any stream."""

from __future__ import annotations

import pytest

from ai4c.core.iterables import batched


@pytest.mark.parametrize(("n", "size", "expected"), [
    (0, 3, []),
    (5, 2, [[0, 1], [2, 3], [4]]),
    (6, 3, [[0, 1, 2], [3, 4, 5]]),
    (2, 10, [[0, 1]]),
])
def test_batches_cover_the_stream_in_order(n, size, expected):
    assert list(batched(iter(range(n)), size)) == expected


def test_a_generator_is_read_lazily():
    seen = []

    def numbers():
        for i in range(10):
            seen.append(i)
            yield i

    first = next(batched(numbers(), 4))
    assert first == [0, 1, 2, 3] and seen == [0, 1, 2, 3]


def test_size_below_one_is_refused():
    with pytest.raises(ValueError, match="batch size must be >= 1"):
        list(batched([1], 0))
