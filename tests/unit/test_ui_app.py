"""The chat app's adapter over a scripted stand-in for `ParleyAgent`, and `parley serve`."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent.agent import ShownItem, StreamEvent, TurnResult
from agent.llm import NoLLM, OpenAICompatibleLLM
from agent.profile import Belief
from agent.state import Profile, ToolCall
from knowledge.items import Catalog
from tests.fixtures.catalogs import make_items
from ui import cli_serve
from ui.adapter import FORKED_SESSION, UNKNOWN_SESSION, ChatAdapter, TurnUpdate
from ui.app import create_app, launch
from ui.browser import MAX_RECENT, clean_stored, remember
from ui.guard import allowed_hosts, host_name, is_loopback

SESSION = "a" * 32


@dataclass
class FakeAgent:
    """The parts of `ParleyAgent`'s facade the app uses, answering from a script."""

    catalog: Catalog = field(default_factory=lambda: Catalog(make_items(), name="tiny"))
    llm: Any = field(default_factory=NoLLM)
    events: list[StreamEvent] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    dialogues: dict[str, list[BaseMessage]] = field(default_factory=dict)
    fail: bool = False
    calls: list[tuple[str, ...]] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)

    def new_session(self, user: str | None = None) -> str:
        self.owners["n" * 32] = user or "local"
        return "n" * 32

    def owner(self, session: str) -> str | None:
        return self.owners.get(session)

    def fork(self, session: str, user: str) -> str:
        self.calls.append(("fork", session, user))
        self.owners["f" * 32] = user
        return "f" * 32

    def stream(self, session: str, text: str) -> Iterator[StreamEvent]:
        if self.fail:
            raise RuntimeError("the graph broke")
        yield from self.events

    def profile(self, session: str) -> Profile:
        return self.profiles.setdefault(session, Profile())

    def label(self, attribute: str, value: str) -> str:
        return value.title()

    def messages(self, session: str) -> list[BaseMessage]:
        return self.dialogues.get(session, [])

    def last_turn(self, session: str, text: str = "") -> TurnResult:
        return TurnResult(user=text, reply="", act="none")

    def feedback(self, session: str, item_id: str, kind: str) -> Profile:
        if item_id not in self.catalog:
            raise KeyError(item_id)
        self.calls.append(("feedback", item_id, kind))
        bucket = {"like": "liked", "dislike": "disliked", "seen": "seen"}[kind]
        getattr(self.profile(session), bucket).append(item_id)
        return self.profile(session)

    def forget(self, session: str, belief: Belief) -> Profile:
        kind, value = belief.kind, belief.value
        self.calls.append(("forget", kind, value))
        profile = self.profile(session)
        setattr(profile, kind, [i for i in getattr(profile, kind) if i != value])
        return profile


def _recommendation(reply: str, notice: str | None = None) -> TurnResult:
    item = ShownItem(item_id="interstellar", title="Interstellar", year=2014, tools=["kg_paths"])
    trace = [ToolCall(tool="kg_paths", input={}, summary="1 path", ms=3.0)]
    return TurnResult(
        user="u", reply=reply, act="recommend", items=[item], trace=trace, notice=notice
    )


def _run(adapter: ChatAdapter, text: str) -> list[TurnUpdate]:
    return list(adapter.turn(SESSION, text, []))


def test_a_turn_streams_then_shows_steps_cards_and_profile() -> None:
    agent = FakeAgent(
        events=[
            StreamEvent("token", "Try "),
            StreamEvent("token", "Interstellar."),
            StreamEvent("done", result=_recommendation("Try Interstellar.")),
        ]
    )
    agent.profiles[SESSION] = Profile(liked=["inception"])
    updates = _run(ChatAdapter(agent), "I loved Inception")  # type: ignore[arg-type]
    first, *streamed, last = updates
    assert first.history[0] == {"role": "user", "content": "I loved Inception"}
    assert first.history[1]["metadata"]["status"] == "pending" and first.textbox == ""
    assert [u.history[-1]["content"] for u in streamed] == ["Try ", "Try Interstellar."]
    assert last.done and last.cards and last.cards[0]["item_id"] == "interstellar"
    assert [m.get("metadata", {}).get("title") for m in last.history][1:3] == [
        "Used 1 tool call: kg_paths",
        "kg_paths",
    ]
    assert last.history[-1]["content"] == "Try Interstellar."
    assert last.beliefs and last.beliefs[0]["label"] == "Inception (2010)"
    assert last.notice == "" and last.textbox is None


def test_a_reset_drops_the_streamed_text() -> None:
    agent = FakeAgent(
        events=[
            StreamEvent("token", "Wrong claim."),
            StreamEvent("reset"),
            StreamEvent("token", "Fixed."),
            StreamEvent("done", result=_recommendation("Fixed.")),
        ]
    )
    updates = _run(ChatAdapter(agent), "hi")  # type: ignore[arg-type]
    assert [u.history[-1]["content"] for u in updates[1:-1]] == ["Wrong claim.", "", "Fixed."]


def test_an_empty_message_is_ignored() -> None:
    agent = FakeAgent(fail=True)  # the agent must not even be asked
    assert _run(ChatAdapter(agent), "   \n ") == []  # type: ignore[arg-type]


def test_nothing_is_sent_before_the_page_has_its_session() -> None:
    adapter = ChatAdapter(FakeAgent(fail=True))  # type: ignore[arg-type]
    assert list(adapter.turn("", "hello", [])) == []


def test_a_refused_message_stays_in_the_box() -> None:
    text = "x" * 4500
    refusal = TurnResult(user=text[:200], reply="That message is too long.", act="refuse")
    agent = FakeAgent(
        events=[StreamEvent("token", refusal.reply), StreamEvent("done", "", refusal)]
    )
    last = _run(ChatAdapter(agent), text)[-1]  # type: ignore[arg-type]
    assert last.textbox == text and last.cards is None
    assert last.history[-1]["content"] == "That message is too long."
    assert "4,500 characters" in last.history[0]["content"]


def test_the_unavailable_notice_reaches_the_page() -> None:
    result = _recommendation("Try Interstellar.", notice="The language model is unavailable.")
    agent = FakeAgent(events=[StreamEvent("done", result=result)])
    assert _run(ChatAdapter(agent), "hi")[-1].notice == "The language model is unavailable."  # type: ignore[arg-type]


def test_a_failing_turn_is_reported_not_raised() -> None:
    last = _run(ChatAdapter(FakeAgent(fail=True)), "hi")[-1]  # type: ignore[arg-type]
    assert "something went wrong" in last.history[-1]["content"]
    assert "RuntimeError" in last.history[-1]["content"] and last.textbox == "hi"


def test_answers_keep_the_previous_cards() -> None:
    answer = TurnResult(user="u", reply="Christopher Nolan.", act="answer")
    agent = FakeAgent(events=[StreamEvent("done", result=answer)])
    assert _run(ChatAdapter(agent), "who directed it?")[-1].cards is None  # type: ignore[arg-type]


def test_card_feedback_toggles() -> None:
    agent = FakeAgent()
    adapter = ChatAdapter(agent)  # type: ignore[arg-type]
    said = adapter.toggle_feedback(SESSION, "shining", "dislike")
    assert "The Shining (1980)" in said and agent.profile(SESSION).disliked == ["shining"]
    said = adapter.toggle_feedback(SESSION, "shining", "dislike")  # a second click withdraws
    assert "Withdrawn" in said and agent.profile(SESSION).disliked == []
    assert agent.calls == [("feedback", "shining", "dislike"), ("forget", "disliked", "shining")]
    with pytest.raises(KeyError):
        adapter.toggle_feedback(SESSION, "not-in-catalog", "like")


def test_titles_fall_back_to_ids() -> None:
    adapter = ChatAdapter(FakeAgent())  # type: ignore[arg-type]
    assert adapter.title_of("dune-2021") == "Dune (2021)"
    assert adapter.title_of("gone") == "gone"


def test_stored_sessions_are_validated() -> None:
    def clean(value: object) -> dict[str, object]:
        stored = dict(clean_stored(value))
        assert isinstance(stored.pop("user"), str)  # a new random user id unless one was kept
        return stored

    assert clean(None) == {"current": "", "recent": []}
    assert clean("junk") == {"current": "", "recent": []}
    tampered = {"current": "../../etc", "recent": [SESSION, 3, "<script>", "b" * 32], "user": "<x>"}
    assert clean(tampered) == {"current": "", "recent": [SESSION, "b" * 32]}
    assert clean_stored({"user": "u" * 32})["user"] == "u" * 32
    assert clean_stored(None)["user"] != clean_stored(None)["user"]
    many = {"current": SESSION, "recent": [f"{n:032d}" for n in range(50)]}
    assert len(clean(many)["recent"]) == MAX_RECENT


def test_remember_puts_the_session_first() -> None:
    stored = {"user": "u" * 32, "current": "b" * 32, "recent": ["b" * 32, SESSION]}
    assert remember(stored, SESSION) == {  # type: ignore[arg-type]
        "user": "u" * 32,
        "current": SESSION,
        "recent": [SESSION, "b" * 32],
    }


def test_the_url_session_wins_then_the_browser_then_a_new_one() -> None:
    mine, theirs = "u" * 32, "t" * 32
    agent = FakeAgent(owners={SESSION: mine, "c" * 32: mine, "d" * 32: theirs})
    adapter = ChatAdapter(agent)  # type: ignore[arg-type]
    stored = {"user": mine, "current": SESSION, "recent": [SESSION]}
    assert adapter.choose_session(stored, "c" * 32) == ("c" * 32, "")  # type: ignore[arg-type]
    assert adapter.choose_session(stored, "bad id!") == (SESSION, "")  # type: ignore[arg-type]
    empty = {"user": mine, "current": "", "recent": []}
    assert adapter.choose_session(empty, None) == ("n" * 32, "")  # type: ignore[arg-type]


def test_a_session_id_never_issued_opens_a_new_session() -> None:
    agent = FakeAgent(owners={SESSION: "u" * 32})
    adapter = ChatAdapter(agent)  # type: ignore[arg-type]
    stored = {"user": "u" * 32, "current": SESSION, "recent": [SESSION]}
    chosen, note = adapter.choose_session(stored, "bob-made-up-session-22")  # type: ignore[arg-type]
    assert chosen == "n" * 32 and agent.owners[chosen] == "u" * 32
    assert note == UNKNOWN_SESSION
    # The browser's own storage is no better a source: an id it names but does not own.
    forged = {"user": "u" * 32, "current": "bob-made-up-session-22", "recent": []}
    assert adapter.choose_session(forged, None) == ("n" * 32, "")  # type: ignore[arg-type]


def test_another_browsers_session_opens_as_a_copy() -> None:
    agent = FakeAgent(owners={SESSION: "ann" * 10})
    adapter = ChatAdapter(agent)  # type: ignore[arg-type]
    stored = {"user": "bob" * 10, "current": "", "recent": []}
    chosen, note = adapter.choose_session(stored, SESSION)  # type: ignore[arg-type]
    assert chosen == "f" * 32 and note == FORKED_SESSION
    assert agent.calls == [("fork", SESSION, "bob" * 10)]


def test_past_sessions_list_only_own_conversations_with_messages() -> None:
    said = [HumanMessage("I loved Dune"), AIMessage("ok")]
    agent = FakeAgent(
        dialogues={SESSION: said, "c" * 32: said},
        owners={SESSION: "u" * 32, "b" * 32: "u" * 32, "c" * 32: "other" * 7},
    )
    adapter = ChatAdapter(agent)  # type: ignore[arg-type]
    stored = {"user": "u" * 32, "current": "b" * 32, "recent": ["b" * 32, SESSION, "c" * 32]}
    assert adapter.past_sessions(stored) == [("I loved Dune · 1 turn", SESSION)]  # type: ignore[arg-type]


def test_a_past_conversation_label_follows_its_turns() -> None:
    said = [HumanMessage("I loved Dune"), AIMessage("ok")]
    agent = FakeAgent(dialogues={SESSION: list(said)}, owners={SESSION: "u" * 32})
    adapter = ChatAdapter(agent)  # type: ignore[arg-type]
    stored = {"user": "u" * 32, "current": SESSION, "recent": [SESSION]}
    assert adapter.past_sessions(stored) == [("I loved Dune · 1 turn", SESSION)]  # type: ignore[arg-type]
    agent.dialogues[SESSION] += [HumanMessage("is it long?"), AIMessage("yes")]
    # Remembered until the session has a turn; read again when it has.
    assert adapter.past_sessions(stored)[0][0] == "I loved Dune · 1 turn"  # type: ignore[arg-type]
    assert adapter.past_sessions(stored, fresh=SESSION)[0][0] == "I loved Dune · 2 turns"  # type: ignore[arg-type]


def test_the_view_of_a_session_restores_the_page() -> None:
    agent = FakeAgent(dialogues={SESSION: [HumanMessage("<b>hi</b>"), AIMessage("hello")]})
    agent.profiles[SESSION] = Profile(seen=["dune-1984"])
    view = ChatAdapter(agent).view(SESSION)  # type: ignore[arg-type]
    assert [m["role"] for m in view.history] == ["user", "assistant"]
    assert "&lt;b&gt;" in view.history[0]["content"]
    assert view.beliefs[0]["label"] == "Dune (1984)" and view.cards == [] and view.notice == ""


def test_create_app_builds_without_serving() -> None:
    app = create_app(FakeAgent(), examples=["Hello"])  # type: ignore[arg-type]
    assert isinstance(app, gr.Blocks)
    ids = {getattr(block, "elem_id", None) for block in app.blocks.values()}
    assert {"pl-chat", "pl-input", "pl-new", "pl-past", "pl-notice"} <= ids
    assert not any(isinstance(b, gr.Chatbot) and b.latex_delimiters for b in app.blocks.values())


def test_browser_storage_survives_a_restart() -> None:
    """A restarted app must read what the browser stored before (Gradio's default is random)."""

    def storage(app: gr.Blocks) -> tuple[str, str]:
        (state,) = [b for b in app.blocks.values() if isinstance(b, gr.BrowserState)]
        return state.storage_key, state.secret

    before = storage(create_app(FakeAgent()))  # type: ignore[arg-type]
    assert storage(create_app(FakeAgent())) == before  # type: ignore[arg-type]


def _serve_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="parley")
    cli_serve.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["serve", *argv])


def test_serve_binds_to_this_machine_by_default() -> None:
    args = _serve_args([])
    assert (args.host, args.port, args.llm, args.pack) == ("127.0.0.1", 7860, "embedded", None)
    assert args.func is cli_serve.cmd_serve
    args = _serve_args(["--llm", "none", "--port", "8000", "--host", "0.0.0.0"])
    assert (args.host, args.port, args.llm) == ("0.0.0.0", 8000, "none")


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    assert host_name("[::1]:7860") == "::1" and host_name("LocalHost:80") == "localhost"
    assert host_name("127.0.0.1") == "127.0.0.1" and host_name("::1") == "::1"
    assert allowed_hosts("0.0.0.0") is None
    assert allowed_hosts("127.0.0.2") == {"localhost", "127.0.0.1", "::1", "127.0.0.2"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served_fake() -> Iterator[str]:
    """The app over the fake agent, served on 127.0.0.1, with an LLM URL holding secrets."""
    llm = OpenAICompatibleLLM("http://alice:pw-s3cret@127.0.0.1:9/v1?api_key=k3y-s3cret")
    app = create_app(FakeAgent(llm=llm))  # type: ignore[arg-type]
    port = _free_port()
    launch(app, host="127.0.0.1", port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


def test_a_foreign_host_name_is_refused(served_fake: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 gets nothing."""
    assert httpx.get(served_fake, headers={"Host": "evil.example"}).status_code == 421
    assert httpx.get(served_fake, headers={"Host": "evil.example:7860"}).status_code == 421
    for host in ("localhost", "127.0.0.1", f"127.0.0.1:{served_fake.rsplit(':', 1)[1]}"):
        page = httpx.get(served_fake, headers={"Host": host})
        assert page.status_code == 200, host
        assert "img-src 'self'" in page.headers["content-security-policy"]


def test_uploads_are_refused(served_fake: str) -> None:
    files = {"files": ("big.bin", b"x" * 100_000, "application/octet-stream")}
    for path in ("/gradio_api/upload", "/upload"):
        assert httpx.post(served_fake + path, files=files).status_code == 403


def test_llm_credentials_never_reach_the_page(served_fake: str) -> None:
    page = httpx.get(served_fake).text + httpx.get(served_fake + "/config").text
    assert "127.0.0.1:9/v1" in page  # the server is named...
    assert "pw-s3cret" not in page and "alice" not in page and "k3y-s3cret" not in page
