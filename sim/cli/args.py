"""argparse value types shared by every gfsim command (one wording for every bad number)."""
import argparse


def add_progress_flags(parser):
    """--progress / --no-progress; neither given: args.progress is None (a bar on a terminal only)."""
    parser.add_argument("--progress", dest="progress", action="store_true", default=None,
                        help="force a progress bar")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def whole_number(text, minimum=None):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if minimum is not None and v < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return v


def positive_int(text):
    return whole_number(text, 1)


def nonneg_int(text):
    return whole_number(text, 0)


def seed_list(text, limit, unit):
    """'0..9' (inclusive), '3', '1,4,9' or a mix ('1..3,7') -> list of distinct ints, at most `limit`;
    ValueError with a one-line message naming --seeds (`unit`: what one seed is, e.g. "battle")."""
    import re
    seeds = []
    for piece in str(text).split(",") if str(text).strip() else []:
        piece = piece.strip()
        m = re.fullmatch(r"(-?\d+)\s*\.\.\s*(-?\d+)", piece)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"--seeds range {piece!r} is empty (end before start)")
            if b - a + 1 + len(seeds) > limit:
                raise ValueError(f"--seeds lists more than {limit} {unit}s")
            seeds.extend(range(a, b + 1))
        elif re.fullmatch(r"-?\d+", piece):
            seeds.append(int(piece))
        else:
            raise ValueError(f"--seeds: expected a seed, a list (1,2,5) or a range (0..9), got {piece!r}")
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
