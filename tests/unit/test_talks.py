"""The conversation memory: what people recommended after saying similar things."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent.learned import FEATURES, CatalogIndex, candidate_features, talk_scores
from agent.profile import MAX_SAID, Profile
from knowledge.errors import PackError
from knowledge.talks import MEMORY_FILE, TalkMemory, build_memory, seeker_text
from knowledge.twins import Twins
from tests.fixtures.catalogs import small_catalog

WORDS = ["documentary", "horror", "comedy"]


def _encode(texts: list[str]) -> np.ndarray:
    """A toy embedder: one axis per known word, unit length."""
    rows = np.array([[float(w in t) for w in WORDS] + [0.01] for t in texts], dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _memory() -> TalkMemory:
    return build_memory(
        [
            (["I want a documentary"], ["doc-a", "doc-b"], 0),
            (["any good documentary?", "about nature"], ["doc-a"], 1),
            (["something horror please"], ["scary"], 1),
            (["a comedy"], [], 2),  # nothing recommended: nothing to remember
        ],
        _encode,
    )


def test_the_nearest_conversations_vote_for_what_was_recommended_in_them() -> None:
    memory = _memory()
    assert len(memory) == 3
    found = memory.scores(_encode(["a documentary tonight"])[0], neighbours=2)
    assert set(found) == {"doc-a", "doc-b"}
    assert found["doc-a"] > found["doc-b"] > 0  # two turns named it, one named doc-b


def test_a_left_out_group_never_votes() -> None:
    """Training scores a turn from the other folds only: its own dialogue cannot vote."""
    memory = _memory()
    vector = _encode(["documentary"])[0]
    assert set(memory.scores(vector, leave_out=0, neighbours=1)) == {"doc-a"}
    assert memory.scores(vector, leave_out=1, neighbours=5).keys() == {"doc-a", "doc-b"}


def test_the_memory_round_trips_through_a_pack_folder(tmp_path: Path) -> None:
    memory = _memory()
    memory.save(tmp_path)
    loaded = TalkMemory.load(tmp_path)
    assert loaded is not None
    assert loaded.recommended == memory.recommended
    assert loaded.groups.tolist() == memory.groups.tolist()
    np.testing.assert_allclose(loaded.vectors, memory.vectors, atol=1e-3)
    assert TalkMemory.load(tmp_path / "elsewhere") is None


def test_an_unreadable_memory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / MEMORY_FILE).write_bytes(b"not a numpy archive")
    with pytest.raises(PackError, match="train-ranker"):
        TalkMemory.load(tmp_path)


def test_the_profile_hears_the_latest_messages_only() -> None:
    profile = Profile()
    profile.hear("   ")
    assert profile.said == []
    for n in range(MAX_SAID + 3):
        profile.hear(f"message {n}")
    assert len(profile.said) == MAX_SAID and profile.said[-1] == f"message {MAX_SAID + 2}"
    assert seeker_text(["  a ", "", "b"]) == "a b"


def test_talk_features_cover_every_record_of_a_film() -> None:
    """Votes go to canonical films; a twin record of a voted film gets the same vote."""
    catalog = small_catalog()
    ids = [item.item_id for item in catalog][:3]
    memory = TalkMemory(_encode(["documentary"]), [[ids[0]]], np.zeros(1, dtype=np.int64))
    twins = Twins([[ids[0], ids[1]]])
    assert talk_scores(None, Profile(said=["documentary"]), twins) is None
    assert talk_scores(memory, Profile(), twins) == {}
    col = {name: j for j, name in enumerate(FEATURES)}
    talks = {ids[0]: 2.0, ids[1]: 2.0}
    rows = candidate_features(CatalogIndex(catalog), Profile(), {}, ids, talks=talks)
    assert rows[:, col["talks"]].tolist() == [2.0, 2.0, 0.0]
    assert rows[:, col["talks_share"]].tolist() == [1.0, 1.0, 0.0]
    unknown = candidate_features(CatalogIndex(catalog), Profile(), {}, ids)
    assert np.isnan(unknown[:, col["talks"]]).all()  # no memory: unknown, not zero


def test_training_turns_are_scored_from_the_other_folds_only() -> None:
    """A training turn's own dialogue (and its fold) never votes for its own targets."""
    from types import SimpleNamespace

    from agent.train_ranker import Query, fold_of, with_talks

    first = "d0"
    other = next(f"d{n}" for n in range(1, 50) if fold_of(f"d{n}") != fold_of(first))
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)

    def query(dialog: str, target: str) -> Query:
        labels = np.array([x == target for x in ("mine", "theirs")], dtype=np.float32)
        return Query(
            f"{dialog}:1",
            dialog,
            rows.copy(),
            labels,
            1,
            ["mine", "theirs"],
            [target],
            said=["I want a great documentary"],
            recommended=[target],
        )

    pack = SimpleNamespace(twins=Twins())
    queries, memory = with_talks([query(first, "mine"), query(other, "theirs")], pack)  # type: ignore[arg-type]
    assert len(memory) == 2
    col = FEATURES.index("talks")
    mine, theirs = queries
    assert mine.features[0, col] == 0 and mine.features[1, col] > 0
    assert theirs.features[0, col] > 0 and theirs.features[1, col] == 0
