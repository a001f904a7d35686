"""`python -m ai4c` is the `ai4c` command."""

from ai4c.cli.main import main

main()
