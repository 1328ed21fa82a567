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


def test_training_folds_count_films_as_the_build_does(redial_pack: Pack) -> None:
    """Each fold's popularity counts a film once, whichever record a source names, and
    gives every record of it the same figure, as the pack's own popularity does: a
    training turn sees "Titanic" (no year) as well known as a live turn does."""
    from agent.train_ranker import fold_models

    folds = fold_models(redial_pack)
    assert folds is not None and len(folds) == FOLDS
    twins = [g for g in redial_pack.twins.groups if len(g) > 1]
    assert len(twins) > 50
    for fold in folds:
        for group in twins:
            assert len({fold.popularity[i] for i in group}) == 1, group
    # A fold leaves a fifth of the dialogues out, never a film's other records.
    titanic = next(g for g in twins if redial_pack.catalog[g[0]].display_title == "Titanic (1997)")
    assert all(
        f.popularity[titanic[1]] > 0.5 * redial_pack.catalog[titanic[0]].popularity for f in folds
    )
