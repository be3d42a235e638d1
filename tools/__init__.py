"""Maintainer tools, run from the repository root as `python -m tools.NAME`; they import helpers, never the reverse."""
