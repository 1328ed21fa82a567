"""Semantic-ID table and prefix trie: uniqueness, round trips, exclusion pruning."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.sid.ids import PrefixVocab, SemanticIds, code_stats
from knowledge.sid.trie import PrefixTrie

prefix_arrays = st.integers(1, 40).flatmap(
    lambda n: st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)), min_size=n, max_size=n
    )
)


def _table(prefixes: list[tuple[int, int, int]]) -> SemanticIds:
    ids = [f"item-{i}" for i in range(len(prefixes))]
    return SemanticIds.from_prefix_codes(
        ids, np.asarray(prefixes), codebook_size=4, disambiguation_size=64
    )


@settings(max_examples=50, deadline=None)
@given(prefix_arrays)
def test_ids_are_unique_and_round_trip(prefixes: list[tuple[int, int, int]]) -> None:
    table = _table(prefixes)
    codes = [table.id_of(i) for i in table.item_ids]
    assert len(set(codes)) == len(codes)
    for item_id, code in zip(table.item_ids, codes, strict=True):
        assert table.item_of(code) == item_id
        assert code[:-1] == tuple(prefixes[table.row(item_id)])


@settings(max_examples=50, deadline=None)
@given(prefix_arrays)
def test_stats_count_collisions(prefixes: list[tuple[int, int, int]]) -> None:
    stats = code_stats(np.asarray(prefixes), 4)
    groups = {p: prefixes.count(p) for p in set(prefixes)}
    assert stats.distinct_prefixes == len(groups)
    assert stats.colliding_items == sum(c for c in groups.values() if c > 1)
    assert stats.max_group == max(groups.values())
    assert all(0 < u <= 1 for u in stats.usage)


def test_disambiguation_numbers_collisions_in_catalog_order() -> None:
    table = _table([(1, 2, 3), (0, 0, 0), (1, 2, 3), (1, 2, 3)])
    assert [table.id_of(f"item-{i}")[-1] for i in range(4)] == [0, 0, 1, 2]
    assert table.stats().colliding_items == 3


def test_too_many_collisions_is_an_error() -> None:
    with pytest.raises(ValueError, match="disambiguation"):
        SemanticIds.from_prefix_codes(["a", "b", "c"], np.zeros((3, 2)), 4, disambiguation_size=2)


def test_new_item_takes_the_next_free_code_and_json_round_trips() -> None:
    table = _table([(1, 2, 3), (1, 2, 3), (0, 1, 2)])
    assert table.add("new", [1, 2, 3]) == (1, 2, 3, 2)
    assert table.add("other", [3, 3, 3]) == (3, 3, 3, 0)
    assert table.item_of((1, 2, 3, 2)) == "new"
    again = SemanticIds.from_json(table.to_json())
    assert again.item_ids == table.item_ids
    assert np.array_equal(again.codes, table.codes)
    with pytest.raises(ValueError, match="already"):
        table.add("new", [0, 0, 0])


def _reachable(trie: PrefixTrie, blocked: dict[tuple[int, ...], set[int]]) -> set[int]:
    rows: set[int] = set()
    frontier: list[tuple[int, ...]] = [()]
    for _ in range(trie.n_levels):
        frontier = [(*p, int(c)) for p in frontier for c in trie.allowed(p, blocked)]
    for path in frontier:
        row = trie.row(path)
        assert row is not None, "an allowed path must end at an item"
        rows.add(row)
    return rows


@settings(max_examples=60, deadline=None)
@given(prefix_arrays, st.data())
def test_trie_prunes_exactly_the_excluded_items(
    prefixes: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    table = _table(prefixes)
    trie = PrefixTrie(table.codes)
    excluded = data.draw(st.sets(st.integers(0, len(prefixes) - 1)))
    assert _reachable(trie, trie.blocked(excluded)) == set(range(len(prefixes))) - excluded


def test_trie_children_are_the_valid_next_codes() -> None:
    codes = np.asarray(list(itertools.product([0, 2], [1, 3])))
    trie = PrefixTrie(codes)
    assert trie.allowed(()).tolist() == [0, 2]
    assert trie.allowed((2,)).tolist() == [1, 3]
    assert trie.allowed((1,)).tolist() == []
    assert trie.row((2, 3)) == 3
    assert (2, 2) not in trie


def test_prefix_vocab_numbers_known_prefixes_and_maps_unknown_to_zero() -> None:
    codes = np.asarray([[0, 1, 0], [0, 1, 1], [2, 0, 0]])
    vocab = PrefixVocab.from_codes(codes)
    assert vocab.sizes == (3, 4)  # prefixes (0,1), (2,0); three full IDs; plus id 0
    ids = vocab.lookup(codes)
    assert ids[0, 0] == ids[1, 0] != ids[2, 0]
    assert len({*ids[:, 1].tolist()}) == 3 and 0 not in ids
    assert vocab.lookup(np.asarray([[0, 1, 5], [3, 3, 3]])).tolist() == [[ids[0, 0], 0], [0, 0]]
    assert PrefixVocab.from_json(vocab.to_json()).lookup(codes).tolist() == ids.tolist()
    short = PrefixVocab.from_codes(codes, longest=2)
    assert short.sizes == (3,)
    assert short.lookup(codes).tolist() == ids[:, :1].tolist()
