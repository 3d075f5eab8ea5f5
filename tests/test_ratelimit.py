"""kit.ratelimit.Buckets: a burst, then a steady rate; tokens given back; the table stays bounded."""

from __future__ import annotations

from onething.kit.ratelimit import Buckets


def test_a_burst_then_the_rate() -> None:
    b = Buckets(per_minute=60, burst=2)
    assert b.take("k", now=0.0) == 0.0 and b.take("k", now=0.0) == 0.0
    assert b.take("k", now=0.0) == 1.0  # one a second: a second to wait
    assert b.peek("k", now=0.5) == 0.5 and b.take("k", now=1.0) == 0.0


def test_a_token_given_back_can_be_taken_again_but_never_beyond_the_burst() -> None:
    b = Buckets(per_minute=1, burst=2)
    b.take("k", now=0.0)
    b.take("k", now=0.0)
    assert b.peek("k", now=0.0) > 0
    b.give_back("k")
    assert b.take("k", now=0.0) == 0.0
    for _ in range(5):
        b.give_back("k")
    assert [b.take("k", now=0.0) == 0.0 for _ in range(3)] == [True, True, False]
    b.give_back("unknown")  # nothing was taken: nothing to give back, nothing stored
    assert b.peek("unknown", now=0.0) == 0.0


def test_the_table_forgets_the_least_recently_used_keys() -> None:
    b = Buckets(per_minute=1, burst=1, max_keys=2)
    for key in ("a", "b", "c"):
        b.take(key, now=0.0)
    assert b.peek("a", now=0.0) == 0.0  # forgotten: a fresh bucket
    assert b.peek("c", now=0.0) > 0
