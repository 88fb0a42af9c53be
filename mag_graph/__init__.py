"""mag-graph: a knowledge graph of municipal governance (wie is verantwoordelijk voor wat?)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mag-graph")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
