"""`python -m blogarchive` runs the CLI."""

from blogarchive.cli import main

main()
