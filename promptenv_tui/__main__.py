from promptenv_tui import run

run()
