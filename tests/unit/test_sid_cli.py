"""``parley train-sid`` and ``parley eval sid`` on a tiny hand-made pack."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from knowledge.items import Item, iter_jsonl_lines
from knowledge.pack import load_pack
from knowledge.sid.pipeline import load_pack_generator
from knowledge.sid.train import torch_threads
from ui import cli_sid

N_ITEMS = 24


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


def parser() -> argparse.ArgumentParser:
    """A parser wired the way ``ui/cli.py`` wires the SID commands."""
    top = argparse.ArgumentParser(prog="parley")
    sub = top.add_subparsers(dest="command", required=True)
    cli_sid.register(sub)
    eval_parser = sub.add_parser("eval")
    cli_sid.register_eval(eval_parser.add_subparsers(dest="eval_command", required=True))
    return top


def tiny_pack(root: Path) -> Path:
    """Write a minimal pack (items, embeddings, manifest) without embedding anything."""
    pack = root / "pack"
    pack.mkdir()
    items = [
        Item(
            item_id=f"m{i}", title=f"Movie {i}", year=2000 + i, external_ids={"imdb": f"tt{i:07d}"}
        )
        for i in range(N_ITEMS)
    ]
    (pack / "items.jsonl").write_text("".join(line + "\n" for line in iter_jsonl_lines(items)))
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(N_ITEMS, 16)).astype(np.float32)
    np.save(pack / "embeddings.npy", vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    manifest = {"format": 1, "items": N_ITEMS, "catalog": "jsonl:x", "catalog_name": "tiny"}
    (pack / "manifest.json").write_text(json.dumps(manifest))
    return pack


def tiny_movielens(root: Path) -> Path:
    """Ratings in which users walk the items in order (MovieLens ids = item number + 1)."""
    folder = root / "ml"
    folder.mkdir()
    links = ["movieId,imdbId,tmdbId"] + [f"{i + 1},{i:07d}," for i in range(N_ITEMS)]
    (folder / "links.csv").write_text("\n".join(links) + "\n")
    rng = np.random.default_rng(1)
    rows = ["userId,movieId,rating,timestamp"]
    for user in range(30):
        start = int(rng.integers(N_ITEMS))
        for t in range(8):
            rows.append(f"{user + 1},{(start + t) % N_ITEMS + 1},4.0,{1000 + t}")
    (folder / "ratings.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_train_sid_stores_the_model_and_records_the_manifest(tmp_path: Path) -> None:
    pack_dir, ml = tiny_pack(tmp_path), tiny_movielens(tmp_path)
    args = parser().parse_args(
        ["train-sid", "--pack", str(pack_dir), "--sequences", f"movielens:{ml}",
         "--seed", "1", "--epochs", "4", "--rqvae-epochs", "5"]
    )  # fmt: skip
    assert args.func(args) == 0
    pack = load_pack(pack_dir)
    section = pack.manifest["sid"]
    assert section["items"] == N_ITEMS
    assert section["semantic_ids"]["n_items"] == N_ITEMS
    assert 0.0 <= section["validation"]["ndcg@10"] <= 1.0
    generator = load_pack_generator(pack)
    assert generator.ids.item_ids == pack.catalog.ids()
    recs = generator.recommend(["m0", "m1"], k=5)
    assert len(recs) == 5 and not {"m0", "m1"} & {r.item_id for r in recs}

    # The evaluation can reuse the stored semantic IDs instead of training an RQ-VAE.
    out = tmp_path / "report.json"
    args = parser().parse_args(
        ["eval", "sid", "--pack", str(pack_dir), "--out", str(out), "--seeds", "1",
         "--sequences", f"movielens:{ml}", "--epochs", "2", "--reuse-ids"]
    )  # fmt: skip
    assert args.func(args) == 0
    report = json.loads(out.read_text())
    stored = generator.ids.stats().to_dict()
    assert report["semantic_ids"] == [{"seed": 0, **stored}]


def test_eval_sid_writes_a_report_with_every_model(tmp_path: Path) -> None:
    pack_dir, ml = tiny_pack(tmp_path), tiny_movielens(tmp_path)
    out = tmp_path / "report.json"
    args = parser().parse_args(
        ["eval", "sid", "--pack", str(pack_dir), "--out", str(out), "--seeds", "2",
         "--sequences", f"movielens:{ml}", "--epochs", "2", "--rqvae-epochs", "3"]
    )  # fmt: skip
    assert args.func(args) == 0
    report = json.loads(out.read_text())
    assert set(report["models"]) == {"sid", "popularity", "itemknn", "sasrec"}
    sid = report["models"]["sid"]
    for key in ("recall@5", "recall@10", "ndcg@5", "ndcg@10", "validity", "latency_ms_p50"):
        assert key in sid and key in sid["std"]
    assert sid["validity"] == 1.0
    assert sid["excluded_returned"] == 0
    assert len(sid["per_seed"]) == 2
    assert report["protocol"]["users"] == 30


def test_missing_sequences_is_a_clear_error(tmp_path: Path) -> None:
    from knowledge.errors import ParleyError

    args = parser().parse_args(["train-sid", "--pack", str(tiny_pack(tmp_path))])
    with pytest.raises(ParleyError, match="sequences"):
        args.func(args)
    bad = parser().parse_args(
        ["train-sid", "--pack", str(tmp_path / "pack"), "--sequences", "nope:x"]
    )
    with pytest.raises(ParleyError, match="unknown sequences spec"):
        bad.func(bad)


def test_eval_sid_cold_start_holds_items_out_and_scores_them(tmp_path: Path) -> None:
    pack_dir, ml = tiny_pack(tmp_path), tiny_movielens(tmp_path)
    out = tmp_path / "cold.json"
    args = parser().parse_args(
        ["eval", "sid", "--pack", str(pack_dir), "--out", str(out), "--seeds", "1",
         "--sequences", f"movielens:{ml}", "--epochs", "2", "--rqvae-epochs", "3",
         "--cold-start", "0.25", "--models", "sid,itemknn,sasrec",
         "--set", "item_loss=1", "--set", "mass_levels=1"]
    )  # fmt: skip
    assert args.func(args) == 0
    report = json.loads(out.read_text())
    assert report["protocol"]["new_items"] == 6 and report["protocol"]["share"] == 0.25
    shares = {"sid, cold share 0.1", "sid, cold share 0.2", "sid, cold share 0.3"}
    assert set(report["models"]) == {"sid", "itemknn", "sasrec"} | shares
    for row in report["models"].values():
        for key in ("recall@10", "new_recall@10", "new_share_of_top", "users_with_new_target"):
            assert key in row
    # A kept share of the top 10 shows every test user new items (two of ten at 0.2).
    kept = report["models"]["sid, cold share 0.2"]
    assert kept["new_share_of_top"] >= 0.2 - 1e-9
    assert kept["users_shown_a_new_item"] == report["protocol"]["test_users"]
    assert report["semantic_ids"][0]["new_items"] == 6
    assert report["config"]["sid"]["item_loss"] == 1.0


def test_bad_settings_and_models_are_clear_errors(tmp_path: Path) -> None:
    from knowledge.errors import ParleyError

    pack_dir, ml = tiny_pack(tmp_path), tiny_movielens(tmp_path)
    common = ["--pack", str(pack_dir), "--sequences", f"movielens:{ml}"]
    bad_set = parser().parse_args(["train-sid", *common, "--set", "no_such=1"])
    with pytest.raises(ParleyError, match="no_such"):
        bad_set.func(bad_set)
    out = str(tmp_path / "r.json")
    bad_model = parser().parse_args(["eval", "sid", *common, "--out", out, "--models", "gpt"])
    with pytest.raises(ParleyError, match="--models"):
        bad_model.func(bad_model)
