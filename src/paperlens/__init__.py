"""paperlens: cited question answering over a collection of research papers."""

__version__ = "0.1.0"
