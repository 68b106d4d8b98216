"""Youth pathway navigator: the domain package (pure Python, no Rasa imports)."""

__version__ = "0.1.0"
