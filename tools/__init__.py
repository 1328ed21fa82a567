"""The tools Parley's agent calls: lookup, retrieval, knowledge-graph paths and more.

Each tool is a `tools.base.Tool` with pydantic ``Input``/``Output`` models; the registry
(`tools.registry`) holds the built-ins and the plug-ins of the ``parley.tools`` entry-point
group; `tools.langchain` adapts any tool for LangChain. See docs/writing-a-tool.md.
"""
