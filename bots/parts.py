"""How a composite bot's part (radar, gun or movement) describes itself to the registry."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    lo: float
    hi: float
    doc: str


@dataclass(frozen=True)
class Component:
    name: str
    category: str      # radar | gun | movement
    kind: int          # id the compiled part dispatches on (unique within its category)
    doc: str
    params: tuple = ()  # Param, in parameter-slot order
    mem_size: int = 0   # float64 slots of bot memory the part owns
