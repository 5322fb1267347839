"""promptenv: a keyboard-driven terminal console for releasing LLM prompts."""

__version__ = "0.1.0"
