"""The learned ranking's conversation memory on the ReDial pack: stored with the model,
one entry per training turn, grouped by fold (the unit tests check the cross-fitting)."""

from __future__ import annotations

import pytest

from agent.learned import LearnedRanker
from agent.train_ranker import FOLDS
from knowledge.pack import Pack

pytestmark = pytest.mark.slow


def test_the_pack_remembers_its_training_conversations_by_fold(redial_pack: Pack) -> None:
    model = LearnedRanker.load(redial_pack.path)
    assert model is not None and model.memory is not None
    memory = model.memory
    assert len(memory) == model.info["conversation_memory_turns"] > 500
    assert set(memory.groups.tolist()) == set(range(FOLDS))
    assert all(item_id in redial_pack.catalog for recs in memory.recommended for item_id in recs)
