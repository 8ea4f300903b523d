"""Spiders: installed as blogarchive.spiders (see pyproject.toml)."""
