"""Battle rules: the few numbers a Robocode .battle file sets."""
import re
from dataclasses import dataclass, asdict

import numpy as np

from sim.engine.constants import N_RULES, RU_WIDTH, RU_HEIGHT, RU_COOLING, RU_INACTIVITY, RU_ROUNDS, RU_MAX_TURNS


class RulesError(ValueError):
    """Bad battle rules (message names the field)."""


@dataclass(frozen=True)
class Rules:
    width: int = 800
    height: int = 600
    rounds: int = 35
    gun_cooling_rate: float = 0.1
    inactivity_time: int = 450

    def __post_init__(self):
        for name in ("width", "height"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 100 <= v <= 10000:
                raise RulesError(f"{name} must be a whole number of pixels from 100 to 10000, got {v!r}")
        if not isinstance(self.rounds, (int, np.integer)) or isinstance(self.rounds, bool) or self.rounds < 1:
            raise RulesError(f"rounds must be a positive whole number, got {self.rounds!r}")
        c = self.gun_cooling_rate
        if isinstance(c, bool) or not isinstance(c, (int, float, np.floating)) or not (0.0 < float(c) <= 10.0):
            raise RulesError(f"gun_cooling_rate must be a number in (0, 10], got {c!r}")
        it = self.inactivity_time
        if not isinstance(it, (int, np.integer)) or isinstance(it, bool) or it < 0:
            raise RulesError(f"inactivity_time must be a non-negative whole number of turns, got {it!r}")

    def to_array(self, max_turns=0):
        a = np.zeros(N_RULES)
        a[RU_WIDTH] = self.width
        a[RU_HEIGHT] = self.height
        a[RU_COOLING] = self.gun_cooling_rate
        a[RU_INACTIVITY] = self.inactivity_time
        a[RU_ROUNDS] = self.rounds
        a[RU_MAX_TURNS] = max_turns
        return a

    def as_dict(self):
        return asdict(self)


def parse_field(text):
    """'800x600' -> (800, 600); raises RulesError with the reason."""
    m = re.fullmatch(r"\s*([0-9]{1,9})\s*[xX]\s*([0-9]{1,9})\s*", str(text))   # ASCII digits only
    if not m:
        shown = repr(str(text)) if len(str(text)) <= 40 else repr(str(text)[:37]) + "..."
        raise RulesError(f"field size must look like WIDTHxHEIGHT (e.g. 800x600), got {shown}")
    return int(m.group(1)), int(m.group(2))


def rules_from_args(args, error=RulesError):
    """Rules from the command-line options every command shares (--field, --rounds, --gun-cooling,
    --inactivity); on a bad field size or value raises `error` (the command's own error class, which
    its main turns into one line and exit code 2) with the reason."""
    try:
        width, height = parse_field(args.field)
        return Rules(width=width, height=height, rounds=args.rounds, gun_cooling_rate=args.gun_cooling,
                     inactivity_time=args.inactivity)
    except RulesError as e:
        if error is RulesError:
            raise
        raise error(str(e)) from None
