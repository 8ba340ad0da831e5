"""Where a composite bot keeps its parts in its params and memory rows.

A bot is one row of ``params`` (float64, P_SIZE) and one row of ``mem``
(float64, as long as its parts need; it survives across rounds). A composite
bot stores its three part kinds and each part's slice of both rows here, so
that every part reads only its own parameters and memory.
"""
P_SIZE = 64
P_RADAR_KIND, P_GUN_KIND, P_MOVE_KIND = 0, 1, 2
P_RADAR_MEM, P_GUN_MEM, P_MOVE_MEM = 3, 4, 5      # offsets into the mem row
P_RADAR, P_GUN, P_MOVE = 8, 16, 32                # first parameter slot of each part
N_RADAR_PARAMS, N_GUN_PARAMS, N_MOVE_PARAMS = 8, 16, 24
# shared bookkeeping kept by the composite bot itself, at the start of mem
M_ENEMY = 0   # enemy as last scanned: time, x, y, heading, velocity, energy, distance, bearing
N_M_ENEMY = 16
M_ENEMY_END = 32   # the enemy record (bots/radar.py) is mem[M_ENEMY:M_ENEMY_END]
M_TELE = 32   # offset of this bot's telemetry region in its mem row (0 = not recording), see bots/telemetry.py
M_PARTS = 40  # parts' memory starts here
