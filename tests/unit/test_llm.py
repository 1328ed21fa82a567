"""The LLM providers: request shape, streaming, retries, and failures that never crash the agent."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from agent.llm import (
    GenerationOptions,
    LLMUnavailable,
    NoLLM,
    OpenAICompatibleLLM,
    complete,
    make_llm,
)
from knowledge.errors import ParleyError

MESSAGES = [{"role": "user", "content": "hi"}]


def sse(*pieces: str) -> bytes:
    events = [
        "data: " + json.dumps({"choices": [{"delta": {"content": p}, "index": 0}]}) for p in pieces
    ]
    return ("\n\n".join([*events, "data: [DONE]"]) + "\n\n").encode()


def server(handler: Callable[[httpx.Request], httpx.Response]) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(
        "http://llm.test/v1", model="m", backoff=0.0, transport=httpx.MockTransport(handler)
    )


def test_streams_pieces_and_always_sends_max_tokens() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, content=sse("Hel", "lo", "!"))

    llm = server(handler)
    assert list(llm.stream(MESSAGES, GenerationOptions(max_tokens=7))) == ["Hel", "lo", "!"]
    body = seen[0]
    assert body["max_tokens"] == 7 and "max_completion_tokens" not in body
    assert body["stream"] is True and body["model"] == "m"


def test_json_schema_becomes_guided_decoding_request() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, content=sse("{}"))

    schema = {"type": "object", "properties": {"liked": {"type": "array"}}}
    complete(server(handler), MESSAGES, GenerationOptions(json_schema=schema))
    fmt = seen[0]["response_format"]
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "extraction", "schema": schema, "strict": True},
    }


def test_retries_server_errors_then_succeeds() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503) if len(calls) < 3 else httpx.Response(200, content=sse("ok"))

    assert complete(server(handler), MESSAGES, GenerationOptions()) == "ok"
    assert len(calls) == 3


def test_down_server_is_unavailable_not_a_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(LLMUnavailable, match="failed"):
        complete(server(handler), MESSAGES, GenerationOptions())


@pytest.mark.parametrize(
    "body",
    [b"<html>gateway</html>", b"data: {not json}\n\n", b'data: {"choices": "nope"}\n\n'],
)
def test_junk_answers_are_unavailable(body: bytes) -> None:
    llm = server(lambda request: httpx.Response(200, content=body))
    with pytest.raises(LLMUnavailable):
        complete(llm, MESSAGES, GenerationOptions())


def test_client_errors_are_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"error": "max_tokens too large"})

    with pytest.raises(LLMUnavailable, match="refused"):
        complete(server(handler), MESSAGES, GenerationOptions())
    assert len(calls) == 1


def test_model_is_discovered_from_the_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": [{"id": "served-model"}]})
        assert json.loads(request.content)["model"] == "served-model"
        return httpx.Response(200, content=sse("x"))

    llm = OpenAICompatibleLLM("http://llm.test/v1", transport=httpx.MockTransport(handler))
    assert complete(llm, MESSAGES, GenerationOptions()) == "x"


def test_make_llm_specs() -> None:
    assert isinstance(make_llm("none"), NoLLM)
    assert isinstance(make_llm("http://127.0.0.1:8000/v1"), OpenAICompatibleLLM)
    with pytest.raises(ParleyError, match="unknown --llm"):
        make_llm("gpt-17")
    with pytest.raises(LLMUnavailable):
        complete(NoLLM(), MESSAGES, GenerationOptions())
