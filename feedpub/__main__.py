"""`python -m feedpub`: the same as the `feedpub` command."""

from feedpub.cli import cli

cli(prog_name="feedpub")
