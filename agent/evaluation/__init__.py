"""Offline evaluation of the agent: the static and interactive protocols, and their reports.

``parley eval static`` and ``parley eval interactive`` are the command-line front ends
(`ui/cli_eval.py`); `agent.evaluation.report` writes the JSON, plots and Markdown.
"""
