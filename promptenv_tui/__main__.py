from promptenv_tui.cli import main

raise SystemExit(main())
