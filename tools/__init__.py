"""The tools Parley's agent calls: lookup, retrieval, knowledge-graph paths and more."""
