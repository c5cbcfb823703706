"""`python -m bot` is the `meterbot` command line."""

from bot.cli import main

raise SystemExit(main())
