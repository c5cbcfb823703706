"""The per-resident token bucket every channel applies: a burst, a steady rate, and one notice
per flood."""

from __future__ import annotations

from dialogs.throttle import Admission, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_and_the_rest_of_a_flood_is_dropped_with_one_notice() -> None:
    clock = Clock()
    throttle = Throttle(burst=3, rate=1.0, clock=clock)
    seen = [throttle.admit("flooder") for _ in range(6)]
    assert seen == [Admission.LET_THROUGH] * 3 + [Admission.DROP_AND_NOTICE] + [Admission.DROP] * 2
    assert throttle.dropped == 3
    assert throttle.allow("neighbour")  # a bucket each


def test_tokens_come_back_at_the_rate_and_a_new_flood_needs_a_full_bucket_first() -> None:
    clock = Clock()
    throttle = Throttle(burst=3, rate=1.0, clock=clock)
    for _ in range(4):
        throttle.admit("r")
    clock.now += 1.0  # one token back: heard again, still the same flood
    assert throttle.admit("r") is Admission.LET_THROUGH
    assert throttle.admit("r") is Admission.DROP
    clock.now += 3.0  # the bucket refilled whole: quiet long enough
    assert [throttle.admit("r") for _ in range(4)][-1] is Admission.DROP_AND_NOTICE


def test_the_least_recently_seen_buckets_are_forgotten_beyond_the_bound() -> None:
    clock = Clock()
    throttle = Throttle(burst=1, rate=0.001, clock=clock, max_buckets=2)
    assert throttle.allow("a")
    assert not throttle.allow("a")
    throttle.allow("b")
    throttle.allow("c")  # "a" is forgotten: it starts again with a full bucket
    assert throttle.allow("a")
