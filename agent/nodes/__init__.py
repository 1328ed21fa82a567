"""The graph's nodes: plain functions ``(state, runtime) -> dict`` that return what changed."""
