"""The Gradio chat app: the page's layout and events over `ui.adapter.ChatAdapter`.

`create_app` lays the page out and wires its events; `launch` serves it. The adapter
(`ui/adapter.py`) turns the agent's facade into plain data for the page, and the browser's
own state (`ui/browser.py`) says which sessions are this browser's. No recommendation
logic lives here: every decision is the agent's.

A browser remembers its session ids in its own local storage (`gr.BrowserState`), so a reload
resumes the conversation and the sessions of one person stay out of another's list; a
``?session=ID`` query opens a given session.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from html import escape
from typing import Any

import gradio as gr

from agent.agent import ChatAgent, ShownItem
from ui.adapter import ChatAdapter, Kind, PageView
from ui.browser import Stored, clean_stored, remember
from ui.cards import CSS, GROUPS, BeliefRow, card_html, header_html, item_marks, notice_html
from ui.guard import Guard, allowed_hosts
from ui.transcript import ChatMessage, example_prompts

log = logging.getLogger(__name__)

FEEDBACK: tuple[tuple[Kind, str, str, str], ...] = (
    ("like", "liked", "✓ Like", "✓ Liked"),
    ("dislike", "disliked", "✗ Dislike", "✗ Disliked"),
    ("seen", "seen", "◉ Seen it", "◉ Seen"),
)
"""Card buttons: the feedback, the profile list it lands in, the label, the label when set."""
THEME = gr.themes.Soft(
    primary_hue="indigo",
    font=["ui-sans-serif", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
)
"""Local fonts only: the page loads nothing from outside the server."""

CONNECTING = "Connecting…"
READY = "Tell Parley what you like, or ask about a title…"

JS_DROP_SESSION_QUERY = """() => {
  const url = new URL(window.location.href);
  if (url.searchParams.has("session")) {
    url.searchParams.delete("session");
    window.history.replaceState(window.history.state, "", url);
  }
}"""


ONE_RENDER_AT_A_TIME: dict[str, Any] = {"concurrency_id": "render", "concurrency_limit": 1}
"""The cards and the profile panel re-render on the same turn; run at once, Gradio's two
renders of one page can race over its component table ("dictionary changed size during
iteration", seen in the browser). Renders take milliseconds, so one at a time costs
nothing a user notices.

Every button a render makes has a key, and so has its click handler. Without them each render
gave the buttons new handler numbers and dropped the old ones, so a click that reached the
server while a turn's second render was on its way named a handler that was gone, and the
page showed "Internal Server Error" (seen in CI: a Dislike clicked right after a turn). With
keys, a card or belief that is shown again keeps its handler's number."""


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
                catalog.name or "the catalog",
                len(catalog),
                agent.llm.name,
                _uses_llm(agent),
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
                # Disabled until the page has its session: a message typed earlier would
                # have nowhere to go (on_load enables the box).
                box = gr.Textbox(
                    elem_id="pl-input",
                    show_label=False,
                    placeholder=CONNECTING,
                    submit_btn="Send",
                    max_lines=6,
                    autofocus=True,
                    interactive=False,
                )
                gr.Markdown("### Recommendations")

                @gr.render(inputs=[cards, believed], **ONE_RENDER_AT_A_TIME)
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
                                        mark = ("card", item.item_id, kind)
                                        button = gr.Button(
                                            active if bucket in mine else label,
                                            size="sm",
                                            variant="primary" if bucket in mine else "secondary",
                                            elem_classes=["pl-fb", f"pl-fb-{kind}"],
                                            key=mark,
                                            preserved_by_key=None,  # the render sets the label
                                        )
                                        button.click(
                                            _feedback_handler(adapter, item.item_id, kind),
                                            inputs=[session],
                                            outputs=[believed],
                                            show_progress="hidden",
                                            key=mark,
                                        )

            with gr.Column(scale=1, min_width=260):
                gr.Markdown("### What Parley believes")

                @gr.render(inputs=[believed], **ONE_RENDER_AT_A_TIME)
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
                                mark = _belief_key(belief)
                                button = gr.Button(
                                    f"✕ {belief.label}",
                                    size="sm",
                                    variant="secondary",
                                    elem_classes=["pl-belief", f"pl-belief-{belief.kind}"],
                                    key=mark,
                                    preserved_by_key=None,
                                )
                                button.click(
                                    _forget_handler(adapter, belief),
                                    inputs=[session],
                                    outputs=[believed],
                                    show_progress="hidden",
                                    key=mark,
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
        page = [session, stored, chatbot, cards, believed, notice, past, info, box]

        def show(view: PageView, keep: Stored) -> tuple[Any, ...]:
            keep = remember(keep, view.session)
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
                gr.update(interactive=True, placeholder=READY),
            )

        def on_load(value: object, request: gr.Request) -> tuple[Any, ...]:
            keep = clean_stored(value)
            wanted = request.query_params.get("session") if request is not None else None
            chosen, note = adapter.choose_session(keep, wanted)
            return show(adapter.view(chosen, note), keep)

        def on_new(value: object) -> tuple[Any, ...]:
            keep = clean_stored(value)
            return show(adapter.view(adapter.new_session(keep)), keep)

        def on_pick(chosen: str | None, value: object) -> tuple[Any, ...]:
            keep = clean_stored(value)
            if not chosen or not adapter.owns(keep, chosen):
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
            # The conversation that just had a turn is read again (its label counts turns);
            # the others' labels are remembered.
            choices = adapter.past_sessions(clean_stored(value), fresh=sid)
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


def _uses_llm(agent: Any) -> bool:
    """Whether the agent's turns call its LLM (the embedded model writes nothing by default)."""
    context = getattr(agent, "context", None)
    return bool(context.uses_llm) if context is not None else bool(agent.llm.available)


def _feedback_handler(adapter: ChatAdapter, item_id: str, kind: Kind) -> Callable[..., Any]:
    def handle(sid: str) -> list[dict[str, Any]]:
        try:
            gr.Info(escape(adapter.toggle_feedback(sid, item_id, kind)), duration=4)
        except KeyError:
            gr.Warning("That item is not in this catalog any more.")
        return adapter.beliefs(sid)

    return handle


def _belief_key(belief: BeliefRow) -> tuple[str, ...]:
    """The profile button's key: one belief keeps its button and handler across renders."""
    return ("belief", belief.kind, belief.attribute or "", belief.value)


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
    """Serve the app on ``host:port`` (never through a public share link), behind `Guard`:
    the Host check on loopback, no uploads, a Content-Security-Policy."""
    from starlette.middleware import Middleware

    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        app_kwargs={"middleware": [Middleware(Guard, hosts=allowed_hosts(host))]},
        max_file_size="1kb",  # the app takes no files (Guard closes the upload route too)
        theme=THEME,
        css=CSS,
        prevent_thread_lock=not block,
        show_error=True,
        ssr_mode=False,
        run_history=False,  # sessions are Parley's own; keep no second record in the browser
        mcp_server=False,
        quiet=True,
    )
