"""Constrained beam search: real items only, exclusions pruned, exact when beams are wide."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch

from knowledge.sid.decode import ChildIds, beam_search, child_ids, mass_tables
from knowledge.sid.ids import PrefixVocab, SemanticIds
from knowledge.sid.seqmodel import SIDModelConfig, SIDSeqModel
from knowledge.sid.train import torch_threads
from knowledge.sid.trie import PrefixTrie


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


def tiny_table(n: int = 40, seed: int = 0) -> SemanticIds:
    rng = np.random.default_rng(seed)
    prefixes = rng.integers(0, 4, size=(n, 3))
    return SemanticIds.from_prefix_codes([f"i{i}" for i in range(n)], prefixes, 4, 8)


def tiny_model(table: SemanticIds, seed: int = 0, vocab: PrefixVocab | None = None) -> SIDSeqModel:
    torch.manual_seed(seed)
    config = SIDModelConfig(
        vocab_sizes=table.vocab_sizes,
        d_model=16,
        n_heads=2,
        n_layers=1,
        d_ff=32,
        max_len=8,
        prefix_vocab_sizes=vocab.sizes if vocab is not None else (),
    )
    return SIDSeqModel(config).eval()


def brute_force(
    model: SIDSeqModel,
    trie: PrefixTrie,
    history: np.ndarray,
    banned: set[int],
    history_prefixes: np.ndarray | None = None,
    children: list[ChildIds] | None = None,
) -> dict[int, float]:
    """Score every allowed item with the same renormalized log-probabilities."""
    blocked = trie.blocked(banned)
    ngrams = None if history_prefixes is None else torch.as_tensor(history_prefixes)[None]
    with torch.inference_mode():
        state = model.encode(torch.as_tensor(history)[None], ngrams)[:, -1]
        scores = {}
        for code, row in trie.leaf.items():
            if row in banned:
                continue
            total = 0.0
            for lvl in range(trie.n_levels):
                prefix = torch.tensor([code[:lvl]], dtype=torch.long).view(1, lvl)
                kids = None
                if children is not None and 0 < lvl <= len(children):
                    table = children[lvl - 1]
                    kids = torch.from_numpy(table.table[[table.row[code[:lvl]]]])
                logits = model.decode(state, prefix, kids)[0]
                allowed = torch.from_numpy(trie.allowed(code[:lvl], blocked))
                logp = torch.log_softmax(logits[allowed], -1)
                total += float(logp[(allowed == code[lvl]).nonzero()[0, 0]])
            scores[row] = total
    return scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_hit_is_a_real_non_excluded_item(seed: int) -> None:
    table = tiny_table(seed=seed)
    trie = PrefixTrie(table.codes)
    model = tiny_model(table, seed)
    history = table.codes[[1, 5, 7]]
    banned = {1, 5, 7, 11, 12}
    hits = beam_search(model, trie, history, k=10, beam_size=3, exclude=banned)
    assert len(hits) == 10
    for hit in hits:
        assert table.item_of(hit.code) == table.item_ids[hit.row]
        assert hit.row not in banned
        assert hit.score <= 0.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.row for h in hits}) == len(hits)


@pytest.mark.parametrize("longest_prefix", [0, 2, 4])
def test_wide_beams_give_the_exact_top_k(longest_prefix: int) -> None:
    table = tiny_table()
    trie = PrefixTrie(table.codes)
    vocab = PrefixVocab.from_codes(table.codes, longest_prefix) if longest_prefix else None
    model = tiny_model(table, vocab=vocab)
    if vocab is not None:  # random prefix embeddings, so that they matter
        for emb in model.item_prefixes:
            torch.nn.init.normal_(emb.weight)
    history = table.codes[[3, 4]]
    ngrams = vocab.lookup(history) if vocab is not None else None
    kids = child_ids(trie, vocab, table.vocab_sizes) if vocab is not None else None
    banned = {3, 4, 20}
    exact = brute_force(model, trie, history, banned, ngrams, kids)
    hits = beam_search(
        model,
        trie,
        history,
        k=len(exact),
        beam_size=1000,
        exclude=banned,
        history_prefixes=ngrams,
        children=kids,
    )
    assert {h.row for h in hits} == set(exact)
    for hit in hits:
        assert hit.score == pytest.approx(exact[hit.row], abs=1e-4)
    # Renormalized at every level, the scores form a distribution over the allowed items.
    assert sum(np.exp(h.score) for h in hits) == pytest.approx(1.0, abs=1e-3)


def test_excluding_all_but_a_few_returns_only_those() -> None:
    table = tiny_table()
    trie = PrefixTrie(table.codes)
    keep = {2, 9, 30}
    banned = set(range(len(table))) - keep
    hits = beam_search(tiny_model(table), trie, table.codes[[0]], k=10, beam_size=2, exclude=banned)
    assert {h.row for h in hits} == keep


def test_everything_excluded_or_empty_history_gives_nothing() -> None:
    table = tiny_table()
    trie = PrefixTrie(table.codes)
    model = tiny_model(table)
    assert beam_search(model, trie, table.codes[[0]], k=5, exclude=range(len(table))) == []
    assert beam_search(model, trie, table.codes[:0], k=5) == []


def test_decoding_is_deterministic() -> None:
    table = tiny_table()
    trie = PrefixTrie(table.codes)
    model = tiny_model(table)
    first = beam_search(model, trie, table.codes[[1, 2, 3]], k=10, beam_size=4, exclude={1, 2, 3})
    again = beam_search(model, trie, table.codes[[1, 2, 3]], k=10, beam_size=4, exclude={1, 2, 3})
    assert first == again


def _item_head(model: SIDSeqModel, table: SemanticIds, vocab: PrefixVocab | None) -> torch.Tensor:
    """Every row's item vector, with random prefix embeddings so that they matter."""
    if vocab is not None:
        for emb in model.item_prefixes:
            torch.nn.init.normal_(emb.weight)
    prefixes = None if vocab is None else torch.as_tensor(vocab.lookup(table.codes))
    with torch.inference_mode():
        return model.item_vectors(torch.as_tensor(table.codes), prefixes)


@pytest.mark.parametrize("longest_prefix", [0, 4])
def test_mass_on_every_level_ranks_exactly_as_the_item_head(longest_prefix: int) -> None:
    table = tiny_table()
    trie = PrefixTrie(table.codes)
    vocab = PrefixVocab.from_codes(table.codes, longest_prefix) if longest_prefix else None
    model = tiny_model(table, vocab=vocab)
    items = _item_head(model, table, vocab)
    history = table.codes[[3, 4]]
    ngrams = vocab.lookup(history) if vocab is not None else None
    banned = [3, 4, 20]
    with torch.inference_mode():
        state = model.encode(
            torch.as_tensor(history)[None],
            None if ngrams is None else torch.as_tensor(ngrams)[None],
        )[:, -1]
        scores = model.item_logits(state, items)[0].clone()
        scores[banned] = -float("inf")
        logp = torch.log_softmax(scores, -1)
    hits = beam_search(
        model,
        trie,
        history,
        k=10,
        beam_size=1000,
        exclude=banned,
        history_prefixes=ngrams,
        items=items,
        mass=mass_tables(trie, table.vocab_sizes, trie.n_levels),
    )
    assert [h.row for h in hits] == logp.topk(10).indices.tolist()
    for hit in hits:
        assert hit.score == pytest.approx(float(logp[hit.row]), abs=1e-4)


def test_first_level_mass_then_codes() -> None:
    """Score = log mass of the item's first code + the decoder's log-probability of the rest."""
    table = tiny_table()
    trie = PrefixTrie(table.codes)
    model = tiny_model(table)
    items = _item_head(model, table, None)
    history = table.codes[[0, 6]]
    banned = {0, 6}
    code_scores = brute_force(model, trie, history, banned)
    with torch.inference_mode():
        state = model.encode(torch.as_tensor(history)[None])[:, -1]
        scores = model.item_logits(state, items)[0]
        first_code = torch.log_softmax(
            model.decode(state, torch.zeros(1, 0, dtype=torch.long))[0], -1
        )
    scores = scores.clone()  # an ordinary tensor again, outside inference mode
    scores[list(banned)] = -float("inf")
    logp = torch.log_softmax(scores, -1)
    expected = {}
    for row, code_score in code_scores.items():
        c1 = int(table.codes[row, 0])
        allowed = torch.from_numpy(trie.allowed((), trie.blocked(banned)))
        c1_logp = float(first_code[c1] - torch.logsumexp(first_code[allowed], 0))
        mass = float(torch.logsumexp(logp[torch.as_tensor(table.codes[:, 0] == c1)], 0))
        expected[row] = mass + code_score - c1_logp
    hits = beam_search(
        model,
        trie,
        history,
        k=len(expected),
        beam_size=1000,
        exclude=banned,
        items=items,
        mass=mass_tables(trie, table.vocab_sizes, 1),
    )
    assert {h.row for h in hits} == set(expected)
    for hit in hits:
        assert hit.score == pytest.approx(expected[hit.row], abs=1e-4)
    # Still a distribution over the allowed items.
    assert sum(np.exp(h.score) for h in hits) == pytest.approx(1.0, abs=1e-3)
