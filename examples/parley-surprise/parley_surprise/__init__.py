"""An example Parley tool plug-in: "surprise me" with lesser-known catalog items."""
