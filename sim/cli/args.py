"""argparse value types shared by every gfsim command: one wording for every bad number, and the
explicit upper bounds every command documents in its --help (so a typo like --rounds 10**9 is one
line, not a MemoryError an hour later)."""
import argparse
import math
import re

# Upper bounds (documented in every --help that takes the value)
MAX_ROUNDS = 100_000            # rounds per battle
MAX_INACTIVITY = 100_000        # turns without damage before the zap
MAX_COOLING = 10.0              # gun cooling rate per turn
SEED_LIMIT = 2 ** 53            # seeds lie in [-2**53, 2**53] (exact in JSON and float64)
MAX_SEEDS = 1_000_000           # seeds in one --seeds list
MAX_JOBS = 256                  # worker processes
MAX_CHUNK_ROWS = 100_000_000    # rows per spill chunk
MAX_K = 10_000                  # neighbours
MAX_POINTS = 200_000            # waves a gun stores (the learned gun's own max_points bound)
MAX_BINS = 10_000               # histogram bins
MAX_EPOCHS = 100_000
MAX_QUERIES = 10_000_000
MAX_DPI = 1_200
MAX_TOL = 1e3                   # conformance tolerance
FIELD_MIN, FIELD_MAX = 100, 10_000   # battlefield width/height in pixels (sim.engine.rules.Rules)


def add_progress_flags(parser):
    """--progress / --no-progress; neither given: args.progress is None (a bar on a terminal only)."""
    parser.add_argument("--progress", dest="progress", action="store_true", default=None,
                        help="force a progress bar")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def progress_bar(total, enabled, desc, unit="round"):
    """(tqdm bar on stderr, update(done) callback), or (None, None) when not enabled."""
    if not enabled:
        return None, None
    import sys
    from tqdm import tqdm
    bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)

    def update(done):
        bar.update(done - bar.n)
    return bar, update


def whole_number(text, minimum=None, maximum=None):
    """A decimal whole number (ASCII digits only) within [minimum, maximum]; ArgumentTypeError otherwise."""
    s = str(text).strip().replace("_", "")
    if not re.fullmatch(r"[+-]?[0-9]{1,30}", s):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {_show(text)}")
    v = int(s)
    if minimum is not None and v < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
        raise argparse.ArgumentTypeError(f"expected {what}, got {_show(text)}")
    if maximum is not None and v > maximum:
        raise argparse.ArgumentTypeError(f"at most {maximum:,} allowed, got {_show(text)}")
    return v


def _show(text):
    s = repr(str(text))
    return s if len(s) <= 40 else s[:37] + "..."


def bounded_int(lo, hi):
    """argparse type: a whole number in [lo, hi]."""
    def parse(text):
        return whole_number(text, lo, hi)
    parse.__name__ = f"int[{lo},{hi}]"
    return parse


def bounded_float(lo, hi, lo_open=False, hi_open=False, allow_zero=False):
    """argparse type: a finite number in the interval (open or closed ends); allow_zero also accepts 0."""
    def parse(text):
        try:
            v = float(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {_show(text)}") from None
        if allow_zero and v == 0.0:
            return 0.0
        ok = math.isfinite(v)
        if ok and lo is not None:
            ok = v > lo if lo_open else v >= lo
        if ok and hi is not None:
            ok = v < hi if hi_open else v <= hi
        if not ok:
            rng = (f"{'(' if lo_open else '['}{lo if lo is not None else '-inf':g}, "
                   f"{hi if hi is not None else 'inf':g}{')' if hi_open else ']'}")
            extra = " or 0" if allow_zero else ""
            raise argparse.ArgumentTypeError(f"expected a finite number in {rng}{extra}, got {_show(text)}")
        return v
    parse.__name__ = "number"
    return parse


def positive_int(text):
    return whole_number(text, 1)


def nonneg_int(text):
    return whole_number(text, 0)


rounds_type = bounded_int(1, MAX_ROUNDS)
seed_type = bounded_int(-SEED_LIMIT, SEED_LIMIT)
jobs_type = bounded_int(1, MAX_JOBS)


def add_rules_args(p, rounds_default=35, rounds_help="rounds to play"):
    """--rounds, --field, --gun-cooling, --inactivity: the battle rules every battle command takes."""
    p.add_argument("--rounds", type=rounds_type, default=rounds_default,
                   help=f"{rounds_help} (default {rounds_default}; 1 to {MAX_ROUNDS:,})")
    p.add_argument("--field", default="800x600",
                   help=f"battlefield WIDTHxHEIGHT in pixels, each {FIELD_MIN} to {FIELD_MAX:,} (default 800x600)")
    p.add_argument("--gun-cooling", type=bounded_float(0, MAX_COOLING, lo_open=True), default=0.1,
                   help=f"gun cooling rate per turn, in (0, {MAX_COOLING:g}] (default 0.1)")
    p.add_argument("--inactivity", type=bounded_int(0, MAX_INACTIVITY), default=450,
                   help=f"turns without damage before robots are zapped, 0 to {MAX_INACTIVITY:,} (default 450)")


def seed_list(text, limit, unit):
    """'0..9' (inclusive), '3', '1,4,9' or a mix ('1..3,7') -> list of distinct ints, at most `limit`,
    each within +-SEED_LIMIT; ValueError with a one-line message naming --seeds (`unit`: what one seed
    is, e.g. "battle")."""
    seeds = []
    for piece in str(text).split(",") if str(text).strip() else []:
        piece = piece.strip()
        m = re.fullmatch(r"(-?[0-9]{1,30})\s*\.\.\s*(-?[0-9]{1,30})", piece)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"--seeds range {piece!r} is empty (end before start)")
            if b - a + 1 + len(seeds) > limit:
                raise ValueError(f"--seeds lists more than {limit} {unit}s")
            _check_seed(a)
            _check_seed(b)
            seeds.extend(range(a, b + 1))
        elif re.fullmatch(r"-?[0-9]{1,30}", piece):
            seeds.append(_check_seed(int(piece)))
            if len(seeds) > limit:
                raise ValueError(f"--seeds lists more than {limit} {unit}s")
        else:
            raise ValueError(f"--seeds: expected a seed, a list (1,2,5) or a range (0..9), got {_show(piece)}")
    if not seeds:
        raise ValueError(f"--seeds is empty: at least one {unit} is needed")
    seen = set()
    for v in seeds:
        if v in seen:
            raise ValueError(f"--seeds lists seed {v} twice")
        seen.add(v)
    return seeds


def add_parts_flag(parser):
    """--parts FILE (repeatable): users' plug-in files whose parts bot specs may name (bots/plugins.py)."""
    parser.add_argument("--parts", action="append", default=[], metavar="FILE",
                        help="a plug-in file of your own parts (radar, gun, movement) that bot specs may name; "
                             "repeat for several (docs/writing-a-strategy.md)")


def _check_seed(v):
    if abs(v) > SEED_LIMIT:
        raise ValueError(f"--seeds: a seed must lie within +-2**53, got {v}")
    return v
