"""An example Parley plug-in that answers questions: what people say about a film."""
