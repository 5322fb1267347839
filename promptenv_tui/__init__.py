"""promptenv: a keyboard-driven terminal console for releasing LLM prompts."""

__version__ = "0.1.0"


def run() -> None:
    """The ``promptenv`` command. Kept free of imports so that Ctrl-C while the command line
    and the database libraries are still loading ends with one line, not a traceback."""
    import sys

    try:
        from promptenv_tui.cli import main

        code = main()
    except KeyboardInterrupt:
        print("promptenv: interrupted; nothing was changed", file=sys.stderr)
        code = 130
    sys.exit(code)
