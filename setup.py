from setuptools import setup

# Scrapyd eggs (`scrapyd-deploy`) are built through setup.py; the metadata is in pyproject.toml.
setup()
