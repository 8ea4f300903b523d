"""`python -m blogarchive` runs the CLI."""

from blogarchive.cli import main

# guarded: worker processes import the main module under another name
if __name__ == "__main__":
    main()
