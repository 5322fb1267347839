"""The Textual console. It speaks to the database only through ``promptenv_tui.domain``."""
