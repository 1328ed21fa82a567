"""`parley tools list` and `parley tools run`, on a small pack written in the test."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from knowledge.errors import ParleyError
from tests.fixtures.sources import write_small_pack
from tools.base import ToolInputError
from tools.registry import UnknownToolError
from ui import cli_tools


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="parley")
    cli_tools.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small_pack(tmp_path_factory.mktemp("packs") / "small")


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("tools", "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows][:3] == ["lookup", "retriever", "kg_paths"]
    assert rows[0]["input_schema"]["required"] == ["text"]
    assert run("tools", "list") == 0
    assert "kg_paths" in capsys.readouterr().out


def test_run_prints_the_structured_output(pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.dumps({"sources": ["Inception (2010)"], "targets": ["Interstellar (2014)"]})
    assert run("tools", "run", "kg_paths", "--pack", str(pack), "--input", raw) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["results"][0]["paths"][0]["sentence"] == (
        "shares director Christopher Nolan with Inception (2010)"
    )


def test_run_reads_input_from_a_file_and_prints_a_summary(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "input.json"
    source.write_text('{"text": "who directed Heat (1995)?"}')
    assert (
        run("tools", "run", "lookup", "--pack", str(pack), "--input", f"@{source}", "--summary")
        == 0
    )
    assert "Heat (1995) was directed by Michael Mann." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "raw", "error", "needle"),
    [
        ("lookup", '{"text": ""}', ToolInputError, "field 'text'"),
        ("kg_paths", '{"sources": "Inception"}', ToolInputError, "field 'sources'"),
        ("lookup", '{"text": "x"', ParleyError, "not valid JSON"),
        ("lookup", '["x"]', ParleyError, "must be a JSON object"),
        (
            "lookp",
            "{}",
            UnknownToolError,
            "known tools: collab, kg_paths, lookup, popular, retriever, sid",
        ),
    ],
)
def test_user_errors_are_parley_errors(
    pack: Path, name: str, raw: str, error: type[Exception], needle: str
) -> None:
    with pytest.raises(error, match=needle.replace("(", r"\(")) as caught:
        run("tools", "run", name, "--pack", str(pack), "--input", raw)
    assert isinstance(caught.value, ParleyError)  # so the CLI exits with status 2
