"""Interaction sequences mapped onto a catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import CatalogError
from knowledge.items import Catalog, Item
from knowledge.sequences import dialogue_comentions, movielens_sequences


def _catalog() -> Catalog:
    return Catalog(
        [
            Item(item_id="r1", title="Toy Story", year=1995, external_ids={"imdb": "tt0114709"}),
            Item(item_id="r2", title="Jumanji", year=1995, external_ids={"imdb": "tt0113497"}),
            Item(item_id="r3", title="Heat", year=1995, external_ids={"imdb": "tt0113277"}),
        ]
    )


def test_movielens_sequences_map_through_imdb_and_sort_by_time(tmp_path: Path) -> None:
    (tmp_path / "links.csv").write_text(
        "movieId,imdbId,tmdbId\n1,0114709,1\n2,0113497,2\n6,0113277,3\n9,999,4\n"
    )
    (tmp_path / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,6,4.0,30\n1,1,4.0,10\n1,9,5.0,15\n1,2,2.0,20\n2,1,5.0,1\n"
    )
    result = movielens_sequences(tmp_path, _catalog(), min_length=2)
    assert [(s.user_id, s.item_ids) for s in result.sequences] == [("1", ("r1", "r2", "r3"))]
    assert result.interactions_unmapped == 1
    assert result.users_dropped_short == 1
    liked = movielens_sequences(tmp_path, _catalog(), min_rating=3.5, min_length=2)
    assert liked.sequences[0].item_ids == ("r1", "r3")
    # Every rating of a catalog film is a verdict, whatever min_rating kept: (4 stars or
    # more, all).
    assert liked.verdicts == result.verdicts == {"r1": (2, 2), "r2": (0, 1), "r3": (1, 1)}
    assert result.for_children == set()  # no movies.csv: nobody says


def test_movielens_says_which_films_are_for_children(tmp_path: Path) -> None:
    (tmp_path / "links.csv").write_text("movieId,imdbId,tmdbId\n1,0114709,1\n2,0113497,2\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,4.0,2\n")
    (tmp_path / "movies.csv").write_text(
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy\n"
        "2,Jumanji (1995),Adventure|Fantasy\n7,Bambi (1942),Animation|Children\n"
    )
    found = movielens_sequences(tmp_path, _catalog(), min_length=1).for_children
    assert found == {"r1"}  # Bambi is in no catalog record


def test_movielens_tags_say_what_viewers_call_a_film(tmp_path: Path) -> None:
    (tmp_path / "links.csv").write_text("movieId,imdbId,tmdbId\n1,0114709,1\n6,0113277,3\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,1\n1,6,4.0,2\n")
    assert movielens_sequences(tmp_path, _catalog(), min_length=1).tags == {}  # no tags.csv
    (tmp_path / "tags.csv").write_text(
        "userId,movieId,tag,timestamp\n1,6,Heist,1\n2,6,heist ,2\n2,6,Al  Pacino,3\n"
        "3,1,pixar,4\n3,9,surreal,5\n3,1,,6\n"
    )
    found = movielens_sequences(tmp_path, _catalog(), min_length=1).tags
    # lower case, spaces tidied, once each; a film in no catalog record and an empty tag go
    assert found == {"r3": {"heist", "al pacino"}, "r1": {"pixar"}}


def test_movielens_sequences_without_shared_ids_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "links.csv").write_text("movieId,imdbId,tmdbId\n1,1,1\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,1\n")
    with pytest.raises(CatalogError, match="no MovieLens movie maps"):
        movielens_sequences(tmp_path, _catalog())


def test_dialogue_comentions(tmp_path: Path) -> None:
    turns = [
        {"dialog_id": "d1", "entity": ["Heat (1995)", "horror"], "rec": ["Toy Story (1995)"]},
        {
            "dialog_id": "d1",
            "entity": ["Heat (1995)", "Toy Story (1995)"],
            "rec": ["Jumanji (1995)"],
        },
        {"dialog_id": "d2", "entity": [], "rec": ["Heat (1995)"]},
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in turns) + "\n")
    result = dialogue_comentions(path, _catalog())
    assert [(s.user_id, s.item_ids) for s in result.sequences] == [("d1", ("r3", "r1", "r2"))]
    path.write_text('{"entity": []}\n')
    with pytest.raises(CatalogError, match="line 1"):
        dialogue_comentions(path, _catalog())


def test_popularity_from_interactions(tmp_path: Path) -> None:
    import math

    from knowledge.popularity import with_prior
    from knowledge.sequences import load_sequences

    turns = [
        {"dialog_id": "d1", "entity": ["Heat (1995)"], "rec": ["Toy Story (1995)"]},
        {"dialog_id": "d2", "entity": ["Heat (1995)"], "rec": ["Jumanji (1995)"]},
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in turns) + "\n")
    spec = f"dialogues:{path}"
    catalog, info = with_prior(_catalog(), {spec: load_sequences(spec, _catalog())})
    # Heat is in both dialogues, the other two in one each.
    assert [i.popularity for i in catalog] == [
        round(math.log1p(1), 4),
        round(math.log1p(1), 4),
        round(math.log1p(2), 4),
    ]
    assert info["source"] == f"interactions: {spec}" and info["items_with_signal"] == 3
    unchanged, info = with_prior(_catalog(), {})
    assert unchanged is not None and info["source"].startswith("graph degree")
    with pytest.raises(CatalogError, match="unknown interaction spec"):
        load_sequences("ratings.csv", _catalog())


def test_liked_answers_of_raw_redial_dialogues(tmp_path: Path) -> None:
    from knowledge.sequences import redial_liked

    catalog = _catalog()
    ids = [i.item_id for i in catalog]
    raw = {
        "conversationId": "7",
        "movieMentions": {ids[0]: "x", "999": catalog[ids[2]].display_title},
        "initiatorQuestions": {
            ids[0]: {"suggested": 0, "seen": 1, "liked": 1},
            "999": {"suggested": 1, "seen": 0, "liked": 1},
            ids[1]: {"suggested": 1, "seen": 1, "liked": 0},
        },
        "respondentQuestions": {"404": {"liked": 1}},
    }
    path = tmp_path / "raw.jsonl"
    path.write_text(json.dumps(raw) + "\n")
    found = redial_liked(path, catalog)
    # The id in the catalog, and the one matched by its mention name; not the unliked one.
    assert [(s.user_id, s.item_ids) for s in found.sequences] == [
        ("7:initiatorQuestions", (ids[0], ids[2]))
    ]
    assert found.interactions_read == 3 and found.interactions_unmapped == 1
