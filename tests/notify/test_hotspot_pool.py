"""The nearby rule's pool built from kept pairs column by column (adapters/hotspot_index.py `_pool`, issue 12):
the cases in (received_at, id) order and who counts whom, as a plain loop over the pairs gives them, with
one-way pairs (only one case sees the other) and receipts that tie (then the id orders)."""

from __future__ import annotations

import random

from services.notify.adapters.hotspot_index import _pool


def _plain(pairs: list[tuple[str, int, str, int, bool, bool]]) -> tuple[list[str], list[list[int]]]:
    received: dict[str, int] = {}
    for first, first_at, second, second_at, _, _ in pairs:
        received[first], received[second] = first_at, second_at
    ids = sorted(received, key=lambda cid: (received[cid], cid))
    at = {cid: i for i, cid in enumerate(ids)}
    near = [[i] for i in range(len(ids))]
    for first, _, second, _, first_sees, second_sees in pairs:
        if first_sees:
            near[at[first]].append(at[second])
        if second_sees:
            near[at[second]].append(at[first])
    return ids, near


def test_the_pool_from_columns_is_the_pool_from_each_pair() -> None:
    rng = random.Random(12)
    cases = {f"c{n:03d}": rng.choice([10, 20, 20, 30, 40]) for n in range(60)}  # many receipts tie
    names = sorted(cases)
    pairs = []
    for _ in range(150):
        a, b = sorted(rng.sample(names, 2), key=lambda cid: (cases[cid], cid))
        sees = rng.choice([(True, True), (True, False), (False, True)])
        pairs.append((a, cases[a], b, cases[b], *sees))
    columns = [list(column) for column in zip(*pairs, strict=True)]
    pool = _pool(*columns)
    ids, near = _plain(pairs)
    assert pool.ids == ids
    assert [sorted(n) for n in pool.near] == [sorted(n) for n in near]
    assert sum(len(n) for n in pool.near) > len(ids)  # (the pairs are not all one way, nor none)
