"""Parley's user interfaces: the `parley` command line (and the chat app)."""
