"""The `gfsim` command line: one subcommand per tool, argument types shared in `args`, the error
boundary in `errors`. `main` is imported lazily so that `python -m sim.cli.main` runs without
runpy's double-import warning on stderr."""


def __getattr__(name):
    if name == "main":
        from sim.cli.main import main
        return main
    raise AttributeError(name)
