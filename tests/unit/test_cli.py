"""The ``parley`` command line: help for every command, clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.cli import build_parser, main


def _subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)  # type: ignore[arg-type]


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for name in ("build", "info", "search"):
        assert name in text


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: parley" in capsys.readouterr().out


def test_bad_catalog_spec_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--catalog", "nonsense:x", "--out", str(tmp_path / "p")]) == 2
    assert "unknown catalog spec" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_broken_catalog_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"item_id": "a", "title": "A"}\n{"item_id": "a", "title": "B"}\n')
    assert main(["build", "--catalog", f"jsonl:{bad}", "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "duplicate item_id" in err
    assert not (tmp_path / "p").exists()


def test_missing_pack_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(tmp_path / "nowhere")]) == 2
    assert "no knowledge pack" in capsys.readouterr().err
