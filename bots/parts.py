"""How a composite bot's part (radar, gun or movement) describes itself to the registry."""
from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    lo: float
    hi: float
    doc: str
    kind: str = "number"   # "number", or "path": a file name (default "" = the part's built-in default)


@dataclass(frozen=True)
class Component:
    name: str
    category: str      # radar | gun | movement
    kind: int          # id the compiled part dispatches on (unique within its category)
    doc: str
    params: tuple = ()  # Param, in parameter-slot order
    mem_size: object = 0   # float64 slots of bot memory the part owns: an int, or a function of the values
    # prepare(values) -> float64 array copied to the start of the part's memory before the battle, or a
    # list of (offset within the part's memory, array) (models loaded from files, layouts that depend on
    # parameters); may raise ValueError with a one-line message
    prepare: Optional[Callable] = None

    def size(self, values):
        return int(self.mem_size(values)) if callable(self.mem_size) else int(self.mem_size)
