"""Load the chat app: N concurrent five-turn conversations against a real ``parley serve``.

    python bench/load.py --pack /tmp/demo --conversations 50
    python bench/load.py --pack /tmp/demo --conversations 50 --llm hang   # a hanging LLM server

The script starts ``parley serve`` on 127.0.0.1 (a free port, its own sessions file) and
talks to it the way browsers do, through Gradio's own client: each conversation opens the
page (its own browser storage, so its own user and session) and sends five messages, one
after the other; the conversations run at once, at most ``--clients`` at a time. ``--llm
hang`` starts a fake OpenAI-compatible server (tests/fixtures/fake_llm.py) that accepts
every request and never answers, and serves the app with it: every turn must still end.

It reports turn times (p50, p95, max, from sending a message to its whole reply), errors
(a failed call, an error reply, a refused message), cross-talk (a conversation whose
history holds another's messages, or whose replies name another's film), the server's
resident memory (RSS) before and after, and the load average. Figures go to stdout and,
with ``--out``, to a JSON file. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from knowledge.items import Item  # noqa: E402
from knowledge.loaders import load_jsonl  # noqa: E402
from knowledge.paths import default_pack_dir  # noqa: E402

PATIENT = {"timeout": 600}
"""Client timeouts: a browser waits for the page as long as it takes."""
ERROR_MARKS = ("Sorry, something went wrong", "too long")


@dataclass
class Script:
    """One conversation: a liked film of its own, and what to check in the replies."""

    item: Item

    def lines(self) -> list[str]:
        """The five messages."""
        return [
            f"I loved {self.item.display_title}",
            "not the first one, something else",
            f"Who directed {self.item.display_title}?",
            "something from the 90s please",
            "thanks, bye",
        ]

    def expected(self, turn: int) -> str | None:
        """A text the reply of a turn must hold (its own film's title, then its director)."""
        if turn == 0:
            return self.item.title
        if turn == 2:
            return self.item.values("director")[0]
        return None


@dataclass
class Outcome:
    """What one conversation saw."""

    turn_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cross_talk: list[str] = field(default_factory=list)
    notices: int = 0


def _texts(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return str(content or "")


def _plain(markdown: str) -> str:
    """Chat Markdown back to the text it shows (the page escapes punctuation and HTML)."""
    return html.unescape(markdown.replace("\\", ""))


def converse(url: str, script: Script, others: set[str]) -> Outcome:
    """Open the page as a new browser and run the five turns."""
    from gradio_client import Client

    outcome = Outcome()
    try:
        client = Client(url, verbose=False, analytics_enabled=False, httpx_kwargs=PATIENT)
        client.predict({"user": "", "current": "", "recent": []}, api_name="/on_load")
    except Exception as exc:  # the page did not open: that is the whole conversation lost
        outcome.errors.append(f"open: {type(exc).__name__}: {exc}")
        return outcome
    history: list[dict[str, Any]] = []
    said: list[str] = []
    for turn, line in enumerate(script.lines()):
        started = time.perf_counter()
        try:
            result = client.predict(line, history, api_name="/on_turn")
        except Exception as exc:
            outcome.errors.append(f"turn {turn + 1}: {type(exc).__name__}: {exc}")
            return outcome
        outcome.turn_seconds.append(time.perf_counter() - started)
        history = list(result[0])
        notice = result[2]
        if isinstance(notice, dict) and notice.get("value"):
            outcome.notices += 1
        said.append(line)
        users = [_plain(_texts(m)) for m in history if m.get("role") == "user"]
        replies = [m for m in history if m.get("role") == "assistant" and not m.get("metadata")]
        reply = _texts(replies[-1]) if replies else ""
        if users != said:
            outcome.cross_talk.append(f"turn {turn + 1}: history holds {users[-1:]!r}")
        if not reply.strip() or any(mark in reply for mark in ERROR_MARKS):
            outcome.errors.append(f"turn {turn + 1}: reply {reply[:80]!r}")
        wanted = script.expected(turn)
        if wanted and wanted.lower() not in _plain(reply).lower():
            outcome.cross_talk.append(f"turn {turn + 1}: {wanted!r} not in {reply[:80]!r}")
        foreign = [t for t in others if t != script.item.title and f"{t} (" in reply]
        if turn == 2 and foreign:
            outcome.cross_talk.append(f"turn {turn + 1}: names {foreign[0]!r}")
    return outcome


def pick_items(pack: Path, count: int) -> list[Item]:
    """Popular films with a director and a title of their own, one per conversation."""
    catalog = load_jsonl(pack / "items.jsonl").catalog
    titles: dict[str, int] = {}
    for item in catalog:
        titles[item.title] = titles.get(item.title, 0) + 1
    ranked = sorted(catalog, key=lambda i: -(i.popularity or 0.0))
    found = [i for i in ranked if i.values("director") and titles[i.title] == 1 and i.year]
    if len(found) < count:
        raise SystemExit(f"the pack has only {len(found)} suitable films for {count} talks")
    return found[:count]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    """Samples a process's RSS twice a second; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.peak = max(self.peak, rss_mb(self.pid))


def start_server(
    args: argparse.Namespace, llm: str, folder: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        sys.executable, "-m", "ui.cli", "serve", "--pack", str(args.pack), "--llm", llm,
        "--port", str(port), "--sessions", str(folder / "sessions.sqlite"),
        "--concurrency", str(args.server_concurrency),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if args.llm_deadline is not None:
        env["PARLEY_AGENT_LLM_DEADLINE"] = str(args.llm_deadline)
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"parley serve exited: see {folder / 'server.log'}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.kill()
    raise SystemExit("parley serve did not answer within 300 s")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=default_pack_dir("demo"))
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--clients", type=int, default=50, help="conversations at once (bound)")
    parser.add_argument(
        "--server-concurrency", type=int, default=4, help="parley serve --concurrency"
    )
    parser.add_argument("--llm", default="none", help="none, embedded, a URL, or 'hang'")
    parser.add_argument(
        "--llm-deadline", type=float, default=None, help="PARLEY_AGENT_LLM_DEADLINE for the server"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the conversations this many times (RSS after each)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()

    scripts = [Script(item) for item in pick_items(args.pack, args.conversations)]
    titles = {s.item.title for s in scripts}
    fake = None
    llm = args.llm
    if llm == "hang":
        from tests.fixtures.fake_llm import FakeLLMServer

        fake = FakeLLMServer("hang").start()
        llm = fake.url
    with tempfile.TemporaryDirectory(prefix="parley-load-") as tmp:
        server, url = start_server(args, llm, Path(tmp))
        try:
            converse(url, Script(scripts[0].item), titles)  # one warm-up conversation
            before = rss_mb(server.pid)
            sampler = Sampler(server.pid)
            sampler.start()
            load_before = os.getloadavg()
            started = time.perf_counter()
            outcomes: list[Outcome] = []
            rounds: list[float] = []
            for _ in range(args.rounds):
                with ThreadPoolExecutor(max_workers=args.clients) as pool:
                    outcomes += pool.map(lambda s: converse(url, s, titles), scripts)
                rounds.append(round(rss_mb(server.pid), 1))
            wall = time.perf_counter() - started
            load_after = os.getloadavg()
            sampler.stopped.set()
            after = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            if fake is not None:
                fake.stop()

    times = [t for o in outcomes for t in o.turn_seconds]
    report = {
        "conversations": len(outcomes),
        "turns": len(times),
        "turns_expected": 5 * len(outcomes),
        "clients": args.clients,
        "server_concurrency": args.server_concurrency,
        "llm": args.llm,
        "turn_seconds": {
            "p50": round(statistics.median(times), 3) if times else None,
            "p95": round(percentile(times, 0.95), 3),
            "max": round(max(times), 3) if times else None,
        },
        "wall_seconds": round(wall, 1),
        "errors": sum(len(o.errors) for o in outcomes),
        "cross_talk": sum(len(o.cross_talk) for o in outcomes),
        "llm_notices": sum(o.notices for o in outcomes),
        "rss_mb": {
            "before": round(before, 1),
            "after": round(after, 1),
            "peak": round(max(sampler.peak, after), 1),
            "growth": round(after - before, 1),
            "after_each_round": rounds,
        },
        "load_average": {"before": load_before, "after": load_after},
        "examples": {
            "errors": [e for o in outcomes for e in o.errors][:5],
            "cross_talk": [c for o in outcomes for c in o.cross_talk][:5],
        },
        "outcomes": [asdict(o) for o in outcomes],
    }
    summary = {k: v for k, v in report.items() if k != "outcomes"}
    print(json.dumps(summary, indent=2))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
