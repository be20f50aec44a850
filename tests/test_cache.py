"""Tests for bot.cache.LRU: eviction by budget and size, recency, oversize values."""

from __future__ import annotations

import random
from collections import OrderedDict

import pytest

from bot.cache import LRU


def contents(cache: LRU) -> list:
    """Keys from least to most recently used, read without touching recency."""
    return list(cache._items)


@pytest.mark.parametrize("budget", [1, 2, 3, 5])
def test_count_budget_keeps_the_most_recent_entries(budget):
    cache: LRU[str, int] = LRU(budget)
    for i in range(budget + 3):
        cache.put(f"k{i}", i)
        assert len(cache) == min(i + 1, budget)
        assert cache.used == len(cache)
    assert contents(cache) == [f"k{i}" for i in range(3, budget + 3)]
    assert cache.get("k0") is None
    assert "k0" not in cache and f"k{budget + 2}" in cache


def test_get_moves_an_entry_to_the_end():
    cache: LRU[str, int] = LRU(3)
    for key in "abc":
        cache.put(key, ord(key))
    assert cache.get("a") == ord("a")
    assert contents(cache) == ["b", "c", "a"]
    cache.put("d", 4)  # evicts b, the least recently used, not a
    assert contents(cache) == ["c", "a", "d"]
    assert cache.get("b") is None


def test_get_of_a_missing_key_changes_nothing():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("zzz") is None
    assert contents(cache) == ["a", "b"]


def test_contains_does_not_refresh():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    cache.put("c", 3)
    assert "a" not in cache and contents(cache) == ["b", "c"]


def test_put_of_an_existing_key_replaces_and_refreshes():
    cache: LRU[str, str] = LRU(10, size=len)
    cache.put("a", "xxxx")
    cache.put("b", "yyy")
    cache.put("a", "zz")
    assert cache.get("a") == "zz"
    assert cache.used == 5
    assert contents(cache) == ["b", "a"]


@pytest.mark.parametrize(
    ("budget", "values", "kept"),
    [
        (10, ["aaaa", "bbbb", "cc"], ["k0", "k1", "k2"]),  # 4+4+2 = 10 fits exactly
        (10, ["aaaa", "bbbb", "ccc"], ["k1", "k2"]),  # 11 > 10: the oldest goes
        (10, ["a", "b", "c", "dddddddddd"], ["k3"]),  # one big entry pushes out all
        (10, ["aaaaaa", "b", "c", "ddddd"], ["k1", "k2", "k3"]),
        (6, ["aaa", "bbb", "c", "dd"], ["k1", "k2", "k3"]),
    ],
)
def test_size_budget_evicts_oldest_until_it_fits(budget, values, kept):
    cache: LRU[str, str] = LRU(budget, size=len)
    for i, value in enumerate(values):
        cache.put(f"k{i}", value)
    assert contents(cache) == kept
    assert cache.used == sum(len(values[int(k[1:])]) for k in kept)
    assert cache.used <= budget


@pytest.mark.parametrize("budget", [0, 3, 10])
def test_oversize_value_is_not_stored(budget):
    cache: LRU[str, bytes] = LRU(budget, size=len)
    cache.put("small", b"x" * min(budget, 2))
    before = (contents(cache), cache.used)
    cache.put("huge", b"x" * (budget + 1))
    assert "huge" not in cache
    assert cache.get("huge") is None
    assert (contents(cache), cache.used) == before  # nothing was evicted for it


def test_value_exactly_the_budget_is_stored_alone():
    cache: LRU[str, bytes] = LRU(8, size=len)
    cache.put("a", b"12")
    cache.put("b", b"12345678")
    assert contents(cache) == ["b"]
    assert cache.used == 8


def test_oversize_replacement_does_not_leave_the_stale_value():
    cache: LRU[str, bytes] = LRU(4, size=len)
    cache.put("k", b"old")
    cache.put("k", b"much too large")
    assert cache.get("k") != b"old"


def test_against_a_reference_model():
    """A random workload agrees step by step with a plain OrderedDict model."""
    rng = random.Random(1234)
    budget = 20
    cache: LRU[int, str] = LRU(budget, size=len)
    model: OrderedDict[int, str] = OrderedDict()
    for _ in range(2000):
        key = rng.randrange(12)
        if rng.random() < 0.4:
            got = cache.get(key)
            expected = model.get(key)
            if key in model:
                model.move_to_end(key)
            assert got == expected
        else:
            value = "v" * rng.randrange(1, 9)
            model.pop(key, None)
            model[key] = value
            while sum(map(len, model.values())) > budget:
                model.popitem(last=False)
            cache.put(key, value)
        assert contents(cache) == list(model)
        assert cache.used == sum(map(len, model.values()))
