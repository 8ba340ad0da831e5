"""Many seeded battles at once: challenges, dataset collection and conformance runs against real Robocode."""
