"""Files gfsim reads and writes: replays, wave datasets, scripted scenarios, real Robocode's runs and
records, and the atomic write every writer goes through."""
