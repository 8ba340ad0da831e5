"""Where a composite bot keeps its parts in its params and memory rows.

A bot is one row of ``params`` (float64, P.size) and one row of ``mem`` (float64, as long as its parts
need; it survives across rounds). For each role the params row holds the part's kind (its index among
the registry's parts of that role, or PLUGIN for a user's part), the offset of its memory in the mem
row, the addresses of a plug-in's compiled hooks (bots/plugins.py), and its parameters in declared order.
"""
from bots.enemy import N_EN
from bots.part import layout

MAX_PARAMS = {"radar": 8, "gun": 24, "movement": 40}   # parameters a part of each role may declare
P = layout("BotParams", radar_kind=1, gun_kind=1, movement_kind=1, radar_mem=1, gun_mem=1, movement_mem=1,
           radar_hooks=3, gun_hooks=3, movement_hooks=3, **MAX_PARAMS)
P_SIZE = P.size
HOOK_ROUND_START, HOOK_THINK, HOOK_ROUND_END = range(3)   # order of a role's hook addresses at P.<role>_hooks
PLUGIN = 1000   # the kind of a plug-in part: its hooks are called through their addresses

# what the composite bot keeps for itself at the start of its mem row, before its parts' memory
M = layout("CompositeMemory", enemy=N_EN, tele=1)   # tele: offset of the telemetry region (0 = not recording)
M_PARTS = M.size


def slots(role):
    """(kind, memory offset, hook addresses, first parameter) slots of `role` in the params row."""
    return (getattr(P, role + "_kind"), getattr(P, role + "_mem"), getattr(P, role + "_hooks"), getattr(P, role))
