"""What the commands print for tools: one JSON form for every `--json` and every summary file."""
import json
import math

import numpy as np


def jsonable(x):
    """Plain JSON values: numpy scalars as Python numbers, tuples as lists, NaN and infinities as null
    (JSON has none, and a reader should see "no value" rather than a string)."""
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def json_text(x):
    """`x` as indented JSON text with a final newline: what `--json` prints."""
    return json.dumps(jsonable(x), indent=2) + "\n"
