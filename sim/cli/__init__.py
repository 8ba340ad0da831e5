"""The `gfsim` command line: one subcommand per tool, argument types shared in `args`."""
from sim.cli.main import main  # noqa: F401
