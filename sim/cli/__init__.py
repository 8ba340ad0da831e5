"""The `gfsim` command line: one subcommand per tool (main.py), argument types shared in args.py."""
