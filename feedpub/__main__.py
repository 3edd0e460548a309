"""`python -m feedpub`: the same as the `feedpub` command."""

from feedpub.cli import cli

if __name__ == "__main__":  # not when a spawned worker process imports this module
    cli(prog_name="feedpub")
