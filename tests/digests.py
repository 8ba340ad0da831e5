"""One digest of a battle for the tests that pin an older behaviour bit for bit: every robot value of every
turn (robots_trace), the per-round stats, scores and lengths."""
import hashlib

import numpy as np


def battle_digest(result):
    """SHA-256 (hex) of a recorded battle's robots_trace, round_stats, round_scores and round_turns."""
    h = hashlib.sha256()
    for a in (result.robots_trace, result.round_stats, result.round_scores, result.round_turns):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()
