"""Parley's dialogue agent: a LangGraph state machine over the recommendation tools."""
