"""LLM server faults against a real HTTP server on 127.0.0.1 (`tests.fixtures.fake_llm`).

Every call has a total deadline and a cap on what it streams; a server that fails is
remembered as down for a cool-down (a circuit breaker), so later turns skip it at once.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Iterator

import pytest

from agent.llm import GenerationOptions, LLMUnavailable, OpenAICompatibleLLM, complete
from tests.fixtures.fake_llm import FakeLLMServer, Mode

MESSAGES = [{"role": "user", "content": "hi"}]
DEADLINE = 1.0
SLACK = 1.5
"""Seconds a failing call may take beyond its deadline (a busy 2-core machine)."""


@pytest.fixture()
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


def client(fake: FakeLLMServer, **kwargs: object) -> OpenAICompatibleLLM:
    options: dict[str, object] = {
        "model": "fake-model",
        "deadline": DEADLINE,
        "cooldown": 30.0,
        "backoff": 0.0,
    }
    options.update(kwargs)
    return OpenAICompatibleLLM(fake.url, **options)  # type: ignore[arg-type]


def timed_failure(llm: OpenAICompatibleLLM, options: GenerationOptions | None = None) -> float:
    started = time.monotonic()
    with pytest.raises(LLMUnavailable):
        complete(llm, MESSAGES, options or GenerationOptions())
    return time.monotonic() - started


@pytest.mark.parametrize("mode", ["keepalive", "empty_deltas", "hang", "endless"])
def test_a_stream_that_never_finishes_ends_at_the_deadline(fake: FakeLLMServer, mode: Mode) -> None:
    fake.mode = mode
    # A generous token limit: only the deadline can stop these (the character cap is
    # checked separately below).
    took = timed_failure(client(fake), GenerationOptions(max_tokens=100_000))
    assert took < DEADLINE + SLACK, f"{mode}: {took:.1f}s"


def test_endless_tokens_stop_at_the_character_cap(fake: FakeLLMServer) -> None:
    fake.mode = "endless"
    fake.interval = 0.0
    llm = client(fake, deadline=30.0)
    received = ""
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="longer than"):
        for piece in llm.stream(MESSAGES, GenerationOptions(max_tokens=20)):
            received += piece
    assert time.monotonic() - started < 10
    assert 0 < len(received) <= 20 * 16


@pytest.mark.parametrize("mode", ["invalid_json", "close_mid_stream", "http_error"])
def test_broken_answers_are_unavailable(fake: FakeLLMServer, mode: Mode) -> None:
    fake.mode = mode
    assert timed_failure(client(fake, retries=1)) < DEADLINE + SLACK


def test_slow_tokens_within_the_deadline_are_a_reply(fake: FakeLLMServer) -> None:
    fake.mode, fake.reply, fake.interval = "slow", "one two three", 0.05
    assert complete(client(fake), MESSAGES, GenerationOptions()) == "one two three"


def test_slow_tokens_past_the_deadline_are_cut(fake: FakeLLMServer) -> None:
    fake.mode, fake.reply, fake.interval = "slow", "word " * 200, 0.05
    assert timed_failure(client(fake)) < DEADLINE + SLACK


def test_a_down_server_is_remembered_then_retried(fake: FakeLLMServer) -> None:
    fake.mode = "hang"
    llm = client(fake, cooldown=0.6)
    timed_failure(llm)
    calls = len(fake.requests)
    # Within the cool-down: no request, no waiting, and the reason says so.
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="down"):
        complete(llm, MESSAGES, GenerationOptions())
    assert time.monotonic() - started < 0.2
    assert len(fake.requests) == calls
    # After the cool-down the server is tried again; a good answer closes the breaker.
    time.sleep(0.7)
    fake.mode, fake.reply = "reply", "back again"
    assert complete(llm, MESSAGES, GenerationOptions()) == "back again"
    assert complete(llm, MESSAGES, GenerationOptions()) == "back again"


def test_the_model_list_is_bounded_by_the_deadline_too(fake: FakeLLMServer) -> None:
    fake.mode = "hang"
    llm = OpenAICompatibleLLM(fake.url, deadline=DEADLINE, cooldown=30.0)  # no model given
    started = time.monotonic()
    llm.warm_up()  # never raises
    assert time.monotonic() - started < DEADLINE + SLACK
    with pytest.raises(LLMUnavailable, match="down"):  # remembered: no second wait
        complete(llm, MESSAGES, GenerationOptions())
    assert time.monotonic() - started < DEADLINE + SLACK


def test_concurrent_calls_to_a_hanging_server_all_end(fake: FakeLLMServer) -> None:
    fake.mode = "hang"
    llm = client(fake)
    took: list[float] = []

    def call() -> None:
        took.append(timed_failure(llm))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE + 10)
    assert len(took) == 6 and max(took) < DEADLINE + SLACK


def test_credentials_never_appear_in_the_name_errors_or_logs(
    fake: FakeLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = fake.url.replace("http://", "http://alice:s3cret-pass@") + "?api_key=k3y-123"
    llm = OpenAICompatibleLLM(url, api_key="sk-secret-key", deadline=DEADLINE)
    fake.mode = "http_error"
    fake.status = 401
    with pytest.raises(LLMUnavailable) as failure:
        complete(llm, MESSAGES, GenerationOptions())
    for secret in ("s3cret-pass", "alice", "k3y-123", "sk-secret-key"):
        assert secret not in llm.name
        assert secret not in str(failure.value)
    assert "127.0.0.1" in llm.name
    # ... and yet they are sent: basic auth from the URL's user info, and the query.
    fake.mode, fake.reply = "reply", "ok"
    assert complete(llm, MESSAGES, GenerationOptions()) == "ok"
    sent = fake.requests[-1]
    assert sent.path == "/v1/chat/completions?api_key=k3y-123"
    assert (
        sent.headers["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cret-pass").decode()
    )
    # An API key goes as a bearer token.
    keyed = OpenAICompatibleLLM(fake.url, model="m", api_key="sk-secret-key")
    assert complete(keyed, MESSAGES, GenerationOptions()) == "ok"
    assert fake.requests[-1].headers["Authorization"] == "Bearer sk-secret-key"
    assert "sk-secret-key" not in keyed.name
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/chat/completions" in logged  # httpx logged the requests...
    for secret in ("s3cret-pass", "k3y-123", "sk-secret-key"):
        assert secret not in logged  # ... without the secrets
