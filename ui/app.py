"""The Gradio chat app: a thin adapter from the browser to `ChatAgent`.

`ChatAdapter` turns the agent's facade into plain data for the page (chat messages, cards,
beliefs); `create_app` lays the page out and wires its events; `launch` serves it. No
recommendation logic lives here: every decision is the agent's.

A browser remembers its session ids in its own local storage (`gr.BrowserState`), so a reload
resumes the conversation and the sessions of one person stay out of another's list; a
``?session=ID`` query opens a given session.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any, Literal, TypedDict

import gradio as gr

from agent.agent import ChatAgent, ShownItem
from agent.profile import Belief
from ui.cards import (
    CSS,
    GROUPS,
    BeliefRow,
    beliefs,
    card_html,
    header_html,
    item_marks,
    notice_html,
)
from ui.transcript import (
    ChatMessage,
    assistant_message,
    example_prompts,
    history,
    session_label,
    thinking_message,
    tool_steps,
    user_message,
)

log = logging.getLogger(__name__)

Kind = Literal["like", "dislike", "seen"]

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
"""What a session id from a URL or the browser's storage must look like."""

MAX_RECENT = 20
"""How many of a browser's past sessions the "past conversations" list keeps."""

FEEDBACK: tuple[tuple[Kind, str, str, str], ...] = (
    ("like", "liked", "✓ Like", "✓ Liked"),
    ("dislike", "disliked", "✗ Dislike", "✗ Disliked"),
    ("seen", "seen", "◉ Seen it", "◉ Seen"),
)
"""Card buttons: the feedback, the profile list it lands in, the label, the label when set."""
BUCKET: dict[Kind, Literal["liked", "disliked", "seen"]] = {
    "like": "liked",
    "dislike": "disliked",
    "seen": "seen",
}

THEME = gr.themes.Soft(
    primary_hue="indigo",
    font=["ui-sans-serif", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
)
"""Local fonts only: the page loads nothing from outside the server."""

JS_DROP_SESSION_QUERY = """() => {
  const url = new URL(window.location.href);
  if (url.searchParams.has("session")) {
    url.searchParams.delete("session");
    window.history.replaceState(window.history.state, "", url);
  }
}"""

ERROR_REPLY = "Sorry, something went wrong on my side ({error}). Please try again."


class Stored(TypedDict):
    """What the browser keeps in its local storage: its user id, current and past session ids."""

    user: str
    """A random id per browser: whose long-term likes and dislikes new sessions start from."""
    current: str
    recent: list[str]


@dataclass
class PageView:
    """Everything the page shows for one session."""

    session: str
    history: list[ChatMessage]
    cards: list[dict[str, Any]]
    beliefs: list[dict[str, Any]]
    notice: str


@dataclass
class TurnUpdate:
    """One step of a streamed turn; ``None`` fields leave the page as it is."""

    history: list[ChatMessage]
    cards: list[dict[str, Any]] | None = None
    beliefs: list[dict[str, Any]] | None = None
    notice: str | None = None
    textbox: str | None = None
    done: bool = False


@dataclass
class ChatAdapter:
    """The agent's facade as the page needs it; safe to share between browser sessions."""

    agent: ChatAgent
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- sessions -------------------------------------------------------------------------

    def _lock(self, session: str) -> threading.Lock:
        """One turn at a time per session (two tabs may share one)."""
        with self._guard:
            return self._locks.setdefault(session, threading.Lock())

    def choose_session(self, stored: Stored, requested: str | None) -> str:
        """The session to open: the URL's, else the browser's current one, else a new one."""
        for candidate in (requested, stored["current"]):
            if candidate and SESSION_ID.match(candidate):
                return candidate
        return self.agent.new_session(user=stored["user"])

    def new_session(self, stored: Stored) -> str:
        """A new session owned by this browser's user."""
        return self.agent.new_session(user=stored["user"])

    @staticmethod
    def clean_stored(value: object) -> Stored:
        """The browser's stored value, validated (it may be missing, old or tampered with)."""
        current, recent, user = "", [], ""
        if isinstance(value, dict):
            if isinstance(value.get("user"), str) and SESSION_ID.match(value["user"]):
                user = value["user"]
            if isinstance(value.get("current"), str) and SESSION_ID.match(value["current"]):
                current = value["current"]
            if isinstance(value.get("recent"), list):
                recent = [s for s in value["recent"] if isinstance(s, str) and SESSION_ID.match(s)]
        return {"user": user or uuid.uuid4().hex, "current": current, "recent": recent[:MAX_RECENT]}

    @staticmethod
    def remember(stored: Stored, session: str) -> Stored:
        """Make ``session`` the browser's current one, first in its recent list."""
        recent = [session, *(s for s in stored["recent"] if s != session)][:MAX_RECENT]
        return {"user": stored["user"], "current": session, "recent": recent}

    def past_sessions(self, stored: Stored) -> list[tuple[str, str]]:
        """(label, id) of this browser's conversations that have messages, latest first."""
        choices = []
        for session in stored["recent"]:
            messages = self.agent.messages(session)
            if messages:
                choices.append((session_label(messages), session))
        return choices

    # --- what the page shows --------------------------------------------------------------

    def title_of(self, item_id: str) -> str:
        """An item's title with its year (its id when the pack no longer has it)."""
        item = self.agent.catalog.get(item_id)
        return item.display_title if item is not None else item_id

    def beliefs(self, session: str) -> list[dict[str, Any]]:
        """The session's profile as the profile panel lists it."""
        return [asdict(b) for b in beliefs(self.agent.profile(session), self.title_of)]

    @staticmethod
    def cards(items: list[ShownItem]) -> list[dict[str, Any]]:
        """Recommended items as the cards' state."""
        return [item.model_dump() for item in items]

    def view(self, session: str) -> PageView:
        """A session as a reloaded page shows it: dialogue, latest cards, profile, notice."""
        last = self.agent.last_turn(session)
        return PageView(
            session=session,
            history=history(self.agent.messages(session), last.trace),
            cards=self.cards(last.items),
            beliefs=self.beliefs(session),
            notice=last.notice or "",
        )

    # --- actions --------------------------------------------------------------------------

    def turn(self, session: str, text: str, shown: list[ChatMessage]) -> Iterator[TurnUpdate]:
        """Run one turn, yielding the chat as the reply streams in; empty text does nothing.

        Nothing happens either before the page has its session (the text stays in the box).
        """
        if not text.strip() or not SESSION_ID.match(session):
            return
        key = f"t{len(shown)}"
        asked = [*shown, user_message(text)]
        thinking = thinking_message(f"{key}-thinking")
        yield TurnUpdate([*asked, thinking], textbox="")
        reply = ""
        with self._lock(session):
            try:
                for event in self.agent.stream(session, text):
                    if event.type == "token":
                        reply += event.text
                    elif event.type == "reset":
                        reply = ""
                    elif event.result is not None:
                        result = event.result
                        final = [
                            *asked,
                            *tool_steps(result.trace, key=f"{key}-steps"),
                            assistant_message(result.reply),
                        ]
                        yield TurnUpdate(
                            final,
                            cards=self.cards(result.items) if result.act == "recommend" else None,
                            beliefs=self.beliefs(session),
                            notice=result.notice or "",
                            # A refused message stays in the box, to be shortened.
                            textbox=text if result.act == "refuse" else None,
                            done=True,
                        )
                        return
                    yield TurnUpdate([*asked, thinking, assistant_message(reply)])
            except Exception as exc:  # the page must survive any failure of a turn
                log.exception("turn failed in session %s", session)
                error = ERROR_REPLY.format(error=type(exc).__name__)
                yield TurnUpdate([*asked, assistant_message(error)], textbox=text, done=True)

    def toggle_feedback(self, session: str, item_id: str, kind: Kind) -> str:
        """Record a card's feedback, or withdraw it when it is already set; says what it did.

        A click during a turn waits for the turn to end, so the two never race on the profile.
        """
        bucket = BUCKET[kind]
        title = self.title_of(item_id)
        with self._lock(session):
            marks = item_marks([BeliefRow(**b) for b in self.beliefs(session)]).get(item_id, set())
            if bucket in marks:
                self.agent.forget(session, Belief(kind=bucket, value=item_id))
                return f"Withdrawn: {title} is no longer marked as {bucket}."
            self.agent.feedback(session, item_id, kind)
        return {
            "like": f"Noted: you like {title}. Parley will look for more like it.",
            "dislike": f"Noted: {title} is not for you. It won't be recommended again.",
            "seen": f"Noted: you've seen {title}. It won't be recommended again.",
        }[kind]

    def forget(self, session: str, belief: Belief) -> None:
        """Remove one wrong belief from the session's profile."""
        with self._lock(session):
            self.agent.forget(session, belief)


def _or_skip(value: Any) -> Any:
    return gr.skip() if value is None else value


def create_app(
    agent: ChatAgent,
    *,
    examples: list[str] | None = None,
    concurrency: int = 4,
    storage_key: str = "parley-sessions",
    storage_secret: str = "parley-browser-state",
) -> gr.Blocks:
    """Build the chat app over ``agent`` (serve it with `launch`).

    ``concurrency`` is how many turns run at once across all users (each user has their own
    session). ``storage_key`` names the browser's local-storage entry that remembers the
    session; ``storage_secret`` only obfuscates it there, since the page itself holds it:
    a session id is the key to a conversation, so sessions are ids nobody can guess.
    """
    adapter = ChatAdapter(agent)
    catalog = agent.catalog
    prompts = example_prompts(catalog) if examples is None else examples

    with gr.Blocks(title="Parley", analytics_enabled=False) as app:
        session = gr.State("")
        stored = gr.BrowserState(
            {"user": "", "current": "", "recent": []},
            storage_key=storage_key,
            secret=storage_secret,
        )
        cards = gr.State([])
        believed = gr.State([])

        gr.HTML(
            header_html(
                catalog.name or "the catalog", len(catalog), agent.llm.name, agent.llm.available
            )
        )
        notice = gr.HTML("", elem_id="pl-notice", visible=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="pl-chat",
                    label="Conversation",
                    height=440,
                    examples=[{"text": p} for p in prompts] or None,
                    placeholder="**Tell Parley something you loved**, or try an example:",
                    latex_delimiters=[],
                    buttons=["copy"],
                )
                box = gr.Textbox(
                    elem_id="pl-input",
                    show_label=False,
                    placeholder="Tell Parley what you like, or ask about a title…",
                    submit_btn="Send",
                    max_lines=6,
                    autofocus=True,
                )
                gr.Markdown("### Recommendations")

                @gr.render(inputs=[cards, believed])
                def show_cards(shown: list[dict[str, Any]], profile: list[dict[str, Any]]) -> None:
                    if not shown:
                        gr.HTML(
                            '<p class="pl-empty">Recommendations appear here as cards, '
                            "each with its reasons and Like / Dislike / Seen it buttons.</p>"
                        )
                        return
                    marks = item_marks([BeliefRow(**b) for b in profile])
                    with gr.Row(equal_height=True, elem_id="pl-cards"):
                        for rank, data in enumerate(shown, start=1):
                            item = ShownItem.model_validate(data)
                            mine = marks.get(item.item_id, set())
                            with gr.Column(
                                min_width=220,
                                elem_classes=["pl-card-col", *(f"is-{m}" for m in sorted(mine))],
                            ):
                                gr.HTML(card_html(item, rank, mine))
                                with gr.Row(elem_classes="pl-actions"):
                                    for kind, bucket, label, active in FEEDBACK:
                                        button = gr.Button(
                                            active if bucket in mine else label,
                                            size="sm",
                                            variant="primary" if bucket in mine else "secondary",
                                            elem_classes=["pl-fb", f"pl-fb-{kind}"],
                                        )
                                        button.click(
                                            _feedback_handler(adapter, item.item_id, kind),
                                            inputs=[session],
                                            outputs=[believed],
                                            show_progress="hidden",
                                        )

            with gr.Column(scale=1, min_width=260):
                gr.Markdown("### What Parley believes")

                @gr.render(inputs=[believed])
                def show_profile(profile: list[dict[str, Any]]) -> None:
                    found = [BeliefRow(**b) for b in profile]
                    if not found:
                        gr.HTML(
                            '<p class="pl-empty">Nothing yet. Tell Parley what you like '
                            "and it shows here; click a belief to remove it.</p>"
                        )
                        return
                    with gr.Column(elem_id="pl-profile"):
                        for group in GROUPS:
                            members = [b for b in found if b.group == group]
                            if not members:
                                continue
                            gr.HTML(f'<div class="pl-profile-group">{group}</div>')
                            for belief in members:
                                if not belief.removable:
                                    gr.HTML(f'<p class="pl-wish">{escape(belief.label)}</p>')
                                    continue
                                button = gr.Button(
                                    f"✕ {belief.label}",
                                    size="sm",
                                    variant="secondary",
                                    elem_classes=["pl-belief", f"pl-belief-{belief.kind}"],
                                )
                                button.click(
                                    _forget_handler(adapter, belief),
                                    inputs=[session],
                                    outputs=[believed],
                                    show_progress="hidden",
                                )

                new = gr.Button("+ New conversation", elem_id="pl-new", variant="primary")
                past = gr.Dropdown(
                    label="Past conversations (this browser)",
                    choices=[],
                    value=None,
                    interactive=True,
                    elem_id="pl-past",
                )
                info = gr.HTML("", elem_classes="pl-session")

        # --- events -----------------------------------------------------------------------
        page = [session, stored, chatbot, cards, believed, notice, past, info]

        def show(view: PageView, keep: Stored) -> tuple[Any, ...]:
            keep = ChatAdapter.remember(keep, view.session)
            choices = adapter.past_sessions(keep)
            ids = {c[1] for c in choices}
            return (
                view.session,
                keep,
                view.history,
                view.cards,
                view.beliefs,
                _notice(view.notice),
                gr.update(choices=choices, value=view.session if view.session in ids else None),
                _session_info(view.session),
            )

        def on_load(value: object, request: gr.Request) -> tuple[Any, ...]:
            keep = ChatAdapter.clean_stored(value)
            wanted = request.query_params.get("session") if request is not None else None
            return show(adapter.view(adapter.choose_session(keep, wanted)), keep)

        def on_new(value: object) -> tuple[Any, ...]:
            keep = ChatAdapter.clean_stored(value)
            return show(adapter.view(adapter.new_session(keep)), keep)

        def on_pick(chosen: str | None, value: object) -> tuple[Any, ...]:
            keep = ChatAdapter.clean_stored(value)
            if not chosen or not SESSION_ID.match(chosen):
                return tuple(gr.skip() for _ in page)
            return show(adapter.view(chosen), keep)

        def on_turn(text: str, shown: list[ChatMessage], sid: str) -> Iterator[tuple[Any, ...]]:
            updates = adapter.turn(sid, text or "", list(shown or []))
            first = next(updates, None)
            if first is None:
                # An empty message changes nothing (and a handler that yields nothing at
                # all would make Gradio blank its outputs).
                yield tuple(gr.skip() for _ in turn_outputs)
                return
            for update in itertools.chain([first], updates):
                # No switching sessions while this one's reply is still streaming in.
                switch = gr.update(interactive=update.done)
                yield (
                    update.history,
                    _or_skip(update.textbox),
                    _or_skip(update.cards),
                    _or_skip(update.beliefs),
                    gr.skip() if update.notice is None else _notice(update.notice),
                    switch,
                    switch,
                )

        def on_example(example: gr.SelectData) -> str:
            value = example.value
            return str(value.get("text", "")) if isinstance(value, dict) else str(value)

        def on_past(value: object, sid: str) -> Any:
            choices = adapter.past_sessions(ChatAdapter.clean_stored(value))
            return gr.update(choices=choices, value=sid if sid in {c[1] for c in choices} else None)

        turn_outputs = [chatbot, box, cards, believed, notice, new, past]
        # Once opened, a ?session=ID link leaves the address bar: the browser's storage now
        # holds the session, and a reload after "new conversation" must not go back to it.
        app.load(on_load, inputs=[stored], outputs=page, show_progress="hidden").then(
            None, js=JS_DROP_SESSION_QUERY
        )
        # A typed message and a clicked example run the same turn (one queue for both).
        turn: dict[str, Any] = {
            "fn": on_turn,
            "inputs": [box, chatbot, session],
            "outputs": turn_outputs,
            "show_progress": "hidden",
            "concurrency_id": "turn",
            "concurrency_limit": concurrency,
        }
        refresh_past: dict[str, Any] = {
            "fn": on_past,
            "inputs": [stored, session],
            "outputs": [past],
            "show_progress": "hidden",
        }
        box.submit(**turn).then(**refresh_past)
        chatbot.example_select(on_example, outputs=[box], show_progress="hidden").then(**turn).then(
            **refresh_past
        )
        new.click(on_new, inputs=[stored], outputs=page, show_progress="hidden")
        # The chat's own trash button starts afresh too (the old conversation stays listed).
        chatbot.clear(on_new, inputs=[stored], outputs=page, show_progress="hidden")
        past.input(on_pick, inputs=[past, stored], outputs=page, show_progress="hidden")

    app.queue(default_concurrency_limit=concurrency)
    return app


def _feedback_handler(adapter: ChatAdapter, item_id: str, kind: Kind) -> Callable[..., Any]:
    def handle(sid: str) -> list[dict[str, Any]]:
        try:
            gr.Info(escape(adapter.toggle_feedback(sid, item_id, kind)), duration=4)
        except KeyError:
            gr.Warning("That item is not in this catalog any more.")
        return adapter.beliefs(sid)

    return handle


def _forget_handler(adapter: ChatAdapter, belief: BeliefRow) -> Callable[..., Any]:
    def handle(sid: str) -> list[dict[str, Any]]:
        adapter.forget(sid, belief.belief())
        gr.Info(escape(f"Forgotten: {belief.label}"), duration=3)
        return adapter.beliefs(sid)

    return handle


def _notice(text: str) -> Any:
    return gr.update(value=notice_html(text), visible=bool(text))


def _session_info(session: str) -> str:
    session = escape(session)
    return (
        f'Session <code>{session}</code> · <a href="?session={session}">link to this '
        f"conversation</a> · in a terminal: <code>parley chat --session {session}</code>"
    )


def launch(
    app: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860, block: bool = True
) -> None:
    """Serve the app on ``host:port`` (never through a public share link)."""
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        theme=THEME,
        css=CSS,
        prevent_thread_lock=not block,
        show_error=True,
        ssr_mode=False,
        run_history=False,  # sessions are Parley's own; keep no second record in the browser
        mcp_server=False,
        quiet=True,
    )
