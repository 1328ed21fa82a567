"""Check the Docker files where Docker itself is missing: parse, cross-check, report.

    python docker/check.py

It checks that compose.yaml parses and runs vLLM on a GPU beside two app replicas that
share one PostgreSQL database, with health checks, volumes and loopback-published ports.
It also checks that every path the Dockerfile copies exists and that together they cover
the import packages listed in pyproject.toml, and that Dockerfile.dockerignore keeps them
in the build context. Exits 1 and lists the problems if any check fails.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def compose_problems(compose: dict[str, Any]) -> list[str]:
    problems = []
    services = compose.get("services", {})
    vllm, postgres = services.get("vllm", {}), services.get("postgres", {})
    if not str(vllm.get("image", "")).split(":-")[-1].startswith("vllm/vllm-openai"):
        problems.append("vllm: not the official vllm/vllm-openai image")
    command = " ".join(str(vllm.get("command", "")).split())
    for flag, variable in [
        ("--model", "VLLM_MODEL"),
        ("--gpu-memory-utilization", "VLLM_GPU_MEMORY_UTILIZATION"),
        ("--tensor-parallel-size", "VLLM_TENSOR_PARALLEL_SIZE"),
    ]:
        if not re.search(rf"{flag} \$\{{{variable}:-[^}}]+\}}", command):
            problems.append(f"vllm: {flag} does not come from ${{{variable}}} with a default")
    for flag in ("--enable-prefix-caching", "--served-model-name", "--max-model-len"):
        if flag not in command:
            problems.append(f"vllm: {flag} missing")
    devices = vllm.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices")
    if not devices or "gpu" not in devices[0].get("capabilities", []):
        problems.append("vllm: no GPU reservation")
    replicas = {name: svc for name, svc in services.items() if name.startswith("app")}
    if len(replicas) < 2:
        problems.append(f"expected two app replicas (app, app-2), got {sorted(replicas)}")
    problems += postgres_problems(services.get("postgres", {}))
    for name, service in replicas.items():
        problems += [f"{name}: {p}" for p in app_problems(service)]
    for name, service in (("vllm", vllm), *replicas.items(), ("postgres", postgres)):
        if "test" not in service.get("healthcheck", {}):
            problems.append(f"{name}: no health check")
        for port in service.get("ports", []):
            if not str(port).startswith("${") or ":-127.0.0.1}" not in str(port):
                problems.append(f"{name}: port {port} is not published on 127.0.0.1 by default")
    host_ports = [
        str(p).rsplit(":", 1)[0] for svc in replicas.values() for p in svc.get("ports", [])
    ]
    if len(set(host_ports)) != len(host_ports):
        problems.append(f"app replicas publish the same host port: {host_ports}")
    declared = set(compose.get("volumes", {}))
    used = {
        str(v).split(":")[0]
        for service in services.values()
        for v in service.get("volumes", [])
        if not str(v).startswith(("/", "."))
    }
    if used - declared:
        problems.append(f"volumes used but not declared: {sorted(used - declared)}")
    return problems


def app_problems(app: dict[str, Any]) -> list[str]:
    """One app replica: the image, vLLM, PostgreSQL sessions, volumes."""
    problems = []
    app_command = " ".join(str(app.get("command", "")).split())
    if "--llm http://vllm:8000/v1" not in app_command:
        problems.append("not pointed at http://vllm:8000/v1")
    if "--host 0.0.0.0" not in app_command:
        problems.append("must listen on 0.0.0.0 inside its container")
    for service in ("vllm", "postgres"):
        if app.get("depends_on", {}).get(service, {}).get("condition") != "service_healthy":
            problems.append(f"does not wait for a healthy {service}")
    if app.get("build", {}).get("dockerfile") != "docker/Dockerfile":
        problems.append("not built from docker/Dockerfile")
    environment = app.get("environment", {})
    sessions = str(environment.get("PARLEY_SESSIONS", ""))
    if not re.fullmatch(r"postgresql://\w+@postgres:5432/\w+", sessions):
        problems.append(
            f"PARLEY_SESSIONS is not the postgres service (without a password): {sessions!r}"
        )
    if "POSTGRES_PASSWORD" not in str(environment.get("PGPASSWORD", "")):
        problems.append("PGPASSWORD does not come from ${POSTGRES_PASSWORD}")
    mounts = {str(v).split(":")[1] for v in app.get("volumes", [])}
    if not {"/data", "/packs"} <= mounts:
        problems.append(f"volumes for /data and /packs expected, got {sorted(mounts)}")
    return problems


def postgres_problems(postgres: dict[str, Any]) -> list[str]:
    """The database: the official image, a required password, a volume, never published."""
    problems = []
    if not str(postgres.get("image", "")).split(":-")[-1].startswith("postgres:"):
        problems.append("postgres: not the official postgres image")
    password = str(postgres.get("environment", {}).get("POSTGRES_PASSWORD", ""))
    if not re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", password):
        problems.append("postgres: POSTGRES_PASSWORD must be required (${POSTGRES_PASSWORD:?...})")
    if "pg_isready" not in " ".join(map(str, postgres.get("healthcheck", {}).get("test", []))):
        problems.append("postgres: the health check does not run pg_isready")
    if not any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres.get("volumes", [])):
        problems.append("postgres: its data is not in a volume")
    if postgres.get("ports"):
        problems.append("postgres: must not publish its port")
    return problems


def dockerfile_problems(dockerfile: str, ignore: str, packages: list[str]) -> list[str]:
    problems = []
    sources: list[str] = []
    for line in dockerfile.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += words[1:-1]
    for source in sources:
        if not (REPO / source).exists():
            problems.append(f"Dockerfile copies {source}, which does not exist")
    top = {p.split(".")[0] for p in packages}
    copied = {s.rstrip("/") for s in sources}
    if top - copied:
        problems.append(f"Dockerfile does not copy the packages {sorted(top - copied)}")
    kept = {line[1:].rstrip("/") for line in ignore.splitlines() if line.startswith("!")}
    if set(copied) - kept:
        problems.append(f"Dockerfile.dockerignore leaves out {sorted(set(copied) - kept)}")
    if not re.search(r"^USER (?!root\b|0\b|0:)\S+", dockerfile, re.MULTILINE):
        problems.append("Dockerfile: the image does not switch to a non-root user")
    if "HEALTHCHECK" not in dockerfile:
        problems.append("Dockerfile: no HEALTHCHECK")
    return problems


def main() -> int:
    compose = yaml.safe_load((HERE / "compose.yaml").read_text())
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = pyproject["tool"]["setuptools"]["packages"]
    problems = compose_problems(compose) + dockerfile_problems(
        (HERE / "Dockerfile").read_text(), (HERE / "Dockerfile.dockerignore").read_text(), packages
    )
    example = (HERE / ".env.example").read_text()
    mentioned = set(re.findall(r"\$\{(\w+):[-?]", (HERE / "compose.yaml").read_text()))
    listed = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    if mentioned - listed:
        problems.append(f".env.example misses {sorted(mentioned - listed)}")
    for problem in problems:
        print(f"docker/check.py: {problem}", file=sys.stderr)
    if not problems:
        print(
            f"docker/check.py: compose ({len(compose['services'])} services), Dockerfile and "
            f"build context are consistent"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
