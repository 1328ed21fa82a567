"""Write an evaluation report: the JSON, PNG plots beside it, and a Markdown summary.

``report.json`` gets ``report.md`` and ``report-*.png`` next to it (and, for the
interactive protocol, ``report-conversations.jsonl`` with every transcript).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from agent.evaluation.interactive import Conversation


def sibling(out: Path, suffix: str) -> Path:
    """``report.json`` -> ``report-<suffix>``."""
    return out.with_name(f"{out.stem}-{suffix}")


def write_report(
    report: dict[str, Any], out: Path, conversations: Sequence[Conversation] = ()
) -> list[Path]:
    """Write every file of a report; returns their paths (the JSON first)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    written = [out]
    plots = plot_files(report, out)
    report = {**report, "plots": [p.name for p in plots]}
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    written += plots
    if conversations:
        path = sibling(out, "conversations.jsonl")
        with path.open("w", encoding="utf-8") as handle:
            for conv in conversations:
                handle.write(json.dumps(asdict(conv)) + "\n")
        written.append(path)
    markdown = out.with_suffix(".md")
    markdown.write_text(summary_markdown(report), encoding="utf-8")
    written.append(markdown)
    return written


def plot_files(report: dict[str, Any], out: Path) -> list[Path]:
    """The report's plots as PNG files (none when matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return []
    paths: list[Path] = []
    if report.get("curves"):
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, curve in report["curves"].items():
            ax.plot(
                range(1, len(curve) + 1), curve, label=name, linewidth=2 if name == "fused" else 1
            )
        ax.set(xlabel="k", ylabel="Recall@k", title="Static protocol: Recall@k")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        paths.append(_save(fig, sibling(out, "recall.png")))
    if report.get("ablations"):
        rows = [("fused", report), *report["ablations"].items(), *report["baselines"].items()]
        names = [n for n, _ in rows]
        values = [r["recall@10"] for _, r in rows]
        errors = [
            [v - r["ci95"]["recall@10"][0] for v, (_, r) in zip(values, rows, strict=True)],
            [r["ci95"]["recall@10"][1] - v for v, (_, r) in zip(values, rows, strict=True)],
        ]
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.barh(names, values, xerr=errors, color="#4c72b0", capsize=3)
        ax.invert_yaxis()
        ax.set(xlabel="Recall@10 (95% CI)", title="Ablations and baselines")
        ax.grid(axis="x", alpha=0.3)
        paths.append(_save(fig, sibling(out, "ablations.png")))
    if report.get("success_by_turn"):
        curve = report["success_by_turn"]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(range(1, len(curve) + 1), curve, marker="o")
        ax.set(
            xlabel="agent turn",
            ylabel="share of conversations with a target shown",
            title=f"Interactive protocol ({report.get('simulator')} simulator): success by turn",
            ylim=(0, max(0.05, max(curve) * 1.2)),
        )
        ax.grid(alpha=0.3)
        paths.append(_save(fig, sibling(out, "success.png")))
        fig, ax = plt.subplots(figsize=(5, 3.5))
        cuts = [k for k in ("recall@1", "recall@10", "recall@50") if k in report]
        ax.bar(cuts, [report[k] for k in cuts], color="#55a868")
        ax.set(ylabel="share of targets", title="Interactive Recall@k after the last turn")
        ax.grid(axis="y", alpha=0.3)
        paths.append(_save(fig, sibling(out, "recall.png")))
    return paths


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _ci(report: dict[str, Any], metric: str) -> str:
    low, high = report.get("ci95", {}).get(metric, [None, None])
    return (
        f"{report[metric]:.3f} [{low:.3f}, {high:.3f}]"
        if low is not None
        else f"{report[metric]:.3f}"
    )


def summary_markdown(report: dict[str, Any]) -> str:
    """A short summary a person can read."""
    protocol = report.get("protocol", "?")
    manifest = report.get("pack", {}).get("manifest", {})
    lines = [
        f"# Parley evaluation: {protocol} protocol",
        "",
        f"- pack: `{report.get('pack', {}).get('path')}` ({manifest.get('catalog_name', '?')}, "
        f"{manifest.get('items', '?')} items)",
        f"- dialogues: `{report.get('data', {}).get('dialogues')}`",
        f"- git {report.get('git')}, seed {report.get('seed')}, llm {report.get('llm')}, "
        f"workers {report.get('workers')}, {report.get('elapsed_s')} s",
        "",
    ]
    if protocol == "static":
        lines += [
            f"{report['n']} targets in {report['turns']} turns. Values with 95% bootstrap "
            "intervals (resampling turns).",
            "",
            "| ranking | Recall@1 | Recall@10 | Recall@50 | NDCG@10 | MRR |",
            "|---|---|---|---|---|---|",
        ]
        rows = [
            ("**fused** (the agent)", report),
            *report.get("ablations", {}).items(),
            *[(f"baseline: {n}", r) for n, r in report.get("baselines", {}).items()],
        ]
        for name, row in rows:
            lines.append(
                f"| {name} | {row['recall@1']:.3f} | {_ci(row, 'recall@10')} | "
                f"{row['recall@50']:.3f} | {row['ndcg@10']:.3f} | {row['mrr']:.3f} |"
            )
        base = report.get("baselines", {}).get("popularity")
        if base:
            verdict = "beats" if report["recall@10"] > base["recall@10"] else "does NOT beat"
            lines += ["", f"The fused ranking {verdict} the popularity baseline on Recall@10."]
        data = report.get("data", {})
        lines += [
            "",
            f"Left out: {data.get('turns_without_catalog_targets', 0)} turns with no catalog "
            f"target, {data.get('targets_already_mentioned', 0)} targets the context already "
            "mentions (excluded from the ranking, as in a live turn).",
        ]
    else:
        counts = report.get("counts", {})
        success = ", ".join(f"{v:.3f}" for v in report.get("success_by_turn", []))
        lines += [
            f"{report['n']} conversations ({report.get('targets')} targets), "
            f"{report.get('simulator')} simulator, up to {report.get('turns')} agent turns.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| Recall@1 | {_ci(report, 'recall@1')} |",
            f"| Recall@10 | {_ci(report, 'recall@10')} |",
            f"| Recall@50 | {_ci(report, 'recall@50')} |",
            f"| success by turn | {success} |",
            f"| average turns | {report.get('avg_turns')} |",
            f"| invalid item rate | {report.get('invalid_item_rate')} |",
            f"| repeat rate | {report.get('repeat_rate')} |",
            f"| leak rate | {report.get('leak_rate')} |",
            *_language_rows(report.get("language") or {}),
            "",
            f"Seeded contexts: {counts.get('context_utterances_changed', 0)} utterances had a "
            f"target title removed ({counts.get('context_utterances_dropped', 0)} dropped "
            f"entirely) in {counts.get('conversations_with_changed_context', 0)} conversations. "
            f"The leak guard removed {counts.get('leaks_caught_by_guard', 0)} simulator "
            "sentences before they reached the agent.",
        ]
    lines += beyond_markdown(report.get("beyond_accuracy") or {})
    lines += ["", *[f"![{p}]({p})" for p in report.get("plots", [])], ""]
    return "\n".join(lines)


def beyond_markdown(beyond: dict[str, Any]) -> list[str]:
    """The beyond-accuracy table (one row per ranking, or one for the interactive run)."""
    if not beyond:
        return []
    rows = (
        beyond
        if all(isinstance(v, dict) and "coverage" in v for v in beyond.values())
        else {"shown": beyond}
    )
    lines = [
        "",
        "Beyond accuracy (top 10 of each list; see `agent/evaluation/beyond.py`):",
        "",
        "| ranking | coverage | exposure Gini | novelty | ILD genre | ILD people | "
        "R@10 head | R@10 torso | R@10 tail |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        by = row.get("recall@10_by_popularity", {})
        cells = [
            f"{by.get(b, {}).get('recall@10')} (n={by.get(b, {}).get('targets')})"
            for b in ("head", "torso", "tail")
        ]
        ild = row.get("intra_list_diversity", {})
        lines.append(
            f"| {name} | {row['coverage']} | {row['exposure_gini']} | {row['novelty']} | "
            f"{ild.get('genre')} | {ild.get('people')} | {' | '.join(cells)} |"
        )
    return lines


def _language_rows(language: dict[str, Any]) -> list[str]:
    """Table rows of the grounded-reply figures (none when no LLM wrote)."""
    if not language.get("llm_drafts"):
        return [f"| LLM drafts | 0 of {language.get('replies', 0)} replies (templates only) |"]
    reasons = ", ".join(f"{r} {n}" for r, n in list(language.get("rejections", {}).items())[:4])
    return [
        f"| LLM drafts | {language['llm_drafts']} of {language['replies']} replies |",
        f"| drafts shown (passed every check) | {language['grounded_pass_rate']} |",
        f"| why drafts were not shown | {reasons or 'none'} |",
    ]
