"""``parley chat`` prints untrusted text: Rich markup in it is text, escape sequences never
reach the terminal, and nothing in it can crash the command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.agent import ParleyAgent
from agent.llm import OpenAICompatibleLLM
from tests.fixtures.fake_llm import FakeLLMServer
from tests.fixtures.sources import SmallSource
from ui import cli_chat
from ui.cli import main
from ui.console import plain

HOSTILE = "[/bold] [red]x[/] \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b31m \x07bell"
REPLY = "[/bold] [red]x[/] \x1b]0;pwned\x07\x1b[31mred\x9b31m \x07bell."
"""What a model may stream (a capital letter in it would read as an invented name)."""


@pytest.fixture()
def agent() -> Iterator[ParleyAgent]:
    with FakeLLMServer("faithful") as fake:
        fake.extra = " " + REPLY
        llm = OpenAICompatibleLLM(fake.url, model="fake-model", deadline=5.0)
        yield ParleyAgent(SmallSource(), llm=llm)  # type: ignore[arg-type]


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


def test_plain_drops_escape_sequences_and_keeps_markup_as_text() -> None:
    shown = plain(HOSTILE).plain
    _clean(shown)
    assert "[/bold]" in shown and "[red]x[/]" in shown
    assert "pwned" not in shown  # the terminal title an OSC sequence would set
    assert plain("line one\n\tline two").plain == "line one\n\tline two"


def test_a_hostile_reply_streams_as_text(
    agent: ParleyAgent, capsys: pytest.CaptureFixture[str]
) -> None:
    session = agent.new_session()
    cli_chat._interactive_turn(agent, session, "I loved Inception " + HOSTILE)
    out = capsys.readouterr()
    _clean(out.out + out.err)
    assert agent.last_turn(session).reply_source == "llm"  # the hostile text itself...
    assert "[/bold] [red]x[/]" in out.out  # ...shown as text


def test_a_hostile_script_runs_to_the_end(
    agent: ParleyAgent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "turns.txt"
    script.write_text(f"I loved Inception {HOSTILE}\nwho directed Heat (1995)? [/bold]\n")
    assert cli_chat._scripted(agent, agent.new_session(), script, as_json=False) == 0
    out = capsys.readouterr().out
    _clean(out)
    assert out.count("you>") == 2 and "[/bold]" in out


def test_an_error_naming_markup_is_printed_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"item_id": "[/bold]", "title": "A"}\n{"item_id": "[/bold]", "title": "\\u001b[2JB"}\n'
    )
    assert main(["build", "--catalog", f"jsonl:{bad}", "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "duplicate item_id '[/bold]'" in err
    _clean(err)


def test_the_usual_ways_to_leave_end_the_chat_and_nothing_else_does() -> None:
    for text in ("quit", "/quit", "Exit", " :q ", "/exit"):
        assert cli_chat.wants_to_leave(text)
    for text in ("I quit horror films", "quite good", "bye"):
        assert not cli_chat.wants_to_leave(text)
