"""The Robocode 1.9 engine: rules, physics, java.util.Random, the compiled turn loop and the battle glue.

Nothing here imports ``bots``: the turn loop is handed its bot dispatch (see docs/architecture.md)."""
