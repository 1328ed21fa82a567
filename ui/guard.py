"""`Guard`: the app's front door (ASGI middleware around Gradio's server).

- **Host check** (against DNS rebinding): served on a loopback address, the app answers
  only requests addressed to this machine by name (``localhost``, ``127.0.0.1``,
  ``[::1]``) or to the host it was started on. A web page elsewhere that points its own
  name at 127.0.0.1 cannot talk to it.
- **No uploads**: the app takes no files, so Gradio's upload route is closed.
- **Content-Security-Policy**: the page may load images, media, fonts and data only from
  this server, so nothing in a message (an image in Markdown an LLM wrote) makes the
  browser fetch another address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CSP = (
    "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
UPLOAD_PATHS = ("/upload", "/gradio_api/upload")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bound: str) -> frozenset[str] | None:
    """The Host names to accept when serving on ``bound``; ``None`` (any) off loopback."""
    if not is_loopback(bound):
        return None
    return LOOPBACK_NAMES | {bound.strip("[]").lower()}


def host_name(value: str) -> str:
    """The name of a Host header, without its port (``[::1]:7860`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """Refuses foreign Host headers and uploads; adds the security headers."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if self.hosts is not None and host_name(headers.get("host", "")) not in self.hosts:
            await _refuse(scope, send, 421, "This server does not answer to that host name.")
            return
        path = str(scope.get("path", "")).rstrip("/")
        if scope["type"] == "http" and path.endswith(UPLOAD_PATHS):
            await _refuse(scope, send, 403, "This app takes no uploads.")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(scope: Scope, send: Send, status: int, text: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
