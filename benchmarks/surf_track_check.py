"""How exactly the surfer's gun tracker predicts an enemy's bullets (issue 19's eighth round), offline.

    python benchmarks/surf_track_check.py [--bot lock+learned+surf] [--enemy sample.VelociRobot]
                                          [--seeds 1..3] [--rounds 35]

Every bullet the enemy fired (the engine's record, not only those the surfer saw) is put to the tracker's own
functions (bots/movements/surf.py track_window, score_track) as the surfer would see its wave: bearing and
distance from the enemy's position to ours at the end of turn tf - 1, the enemy's body heading then (the surfer
locks its radar, so it has that scan nearly always). The candidate rates learn, battle by battle, only from the
bullets the surfer saw (those that hit it or one of its bullets), in fire order. Per number of bullets seen so
far: how often the likeliest rate's window holds the bullet's exact heading (to 1e-9 rad), how many headings
the window holds, and the likeliest rate at each battle's end.
"""
import collections
import math
import sys

import numpy as np

SEEN_GROUPS = 5                 # 0, 1, 2, 3, 4+ bullets seen


def check(bot, enemy, seeds, rules, on_battle=None):
    """Counter of (group, 'bullets' | 'in_window' | 'headings') and the likeliest rate at each battle's end."""
    from bots.movements import surf as S
    from sim.engine.battle import run_battle
    from sim.engine.constants import BS_HIT_BULLET, BS_HIT_VICTIM
    from sim.waves.tracking import (
        BC_END_STATE,
        BC_FIRE,
        BC_HEADING,
        BC_OWNER,
        BC_ROUND,
        _Prepared,
    )
    tab = collections.Counter()
    rates = []
    heads = np.empty(S.TRACK_MAX_HEADINGS)
    for done, seed in enumerate(seeds, 1):
        pr = _Prepared(run_battle([bot, enemy], rules, seed=seed, record=True))
        x, y, h = pr.arr["x"], pr.arr["y"], pr.arr["heading"]
        m = np.zeros(S.SURF_MEM)
        wb = S.WAVES
        m[wb + S.W_LAT] = 1.0
        seen = 0
        for b in pr.bul[pr.bul[:, BC_OWNER] == 1]:
            r = int(b[BC_ROUND])
            j = int(pr.round_start[r]) + int(b[BC_FIRE]) - 1
            if j >= pr.round_start[r + 1]:
                continue
            m[wb + S.W_BEARING] = math.atan2(x[0, j] - x[1, j], y[0, j] - y[1, j])
            m[wb + S.W_DIST] = math.hypot(x[0, j] - x[1, j], y[0, j] - y[1, j])
            m[wb + S.W_BODY] = h[1, j]
            scores = m[S.TSCORES:S.TSCORES + S.N_TRACK]
            best = int(np.argmax(scores)) if seen else -1      # the first of the likeliest
            g = min(seen, SEEN_GROUPS - 1)
            tab[g, "bullets"] += 1
            if best >= 0:
                n = S.track_window(m, wb, best, heads)
                tab[g, "headings"] += n
                tab[g, "in_window"] += any(abs(math.remainder(q - b[BC_HEADING], 2.0 * math.pi)) < 1e-9
                                           for q in heads[:n])
            if int(b[BC_END_STATE]) in (BS_HIT_VICTIM, BS_HIT_BULLET):
                S.score_track(m, wb, b[BC_HEADING])
                seen += 1
        scores = m[S.TSCORES:S.TSCORES + S.N_TRACK]
        rates.append((seed, seen, S.TRACK_RATES[int(np.argmax(scores))] if seen else math.nan))
        if on_battle:
            on_battle(done)
    return tab, rates


def main(argv=None):
    from sim.cli.errors import run_command
    return run_command("surf_track_check", _main, list(sys.argv[1:] if argv is None else argv))


def _main(argv):
    from surf_hits_by_range import parse_matchup   # benchmarks/ is on the path: the script's own folder
    a, seeds, rules, bar, update = parse_matchup("surf_track_check", __doc__.splitlines()[0], argv, seeds="1..3")
    tab, rates = check(a.bot, a.enemy, seeds, rules, update)
    if bar:
        bar.close()
    print(f"{a.enemy}'s bullets against {a.bot}, {a.rounds} rounds, seeds {a.seeds}")
    print("seed, bullets seen, likeliest rate (deg/turn) at the end: "
          + "; ".join(f"{s} {n} {r:+.0f}" for s, n, r in rates))
    print(f"{'bullets seen':>12s} {'bullets':>8s} {'in window':>10s} {'headings / window':>18s}")
    for g in range(SEEN_GROUPS):
        n = tab[g, "bullets"]
        label = f"{g}+" if g == SEEN_GROUPS - 1 else str(g)
        if g == 0:
            print(f"{label:>12s} {n:>8d} {'-':>10s} {'-':>18s}   (no rate learned yet)")
        elif n:
            print(f"{label:>12s} {n:>8d} {tab[g, 'in_window'] / n:>10.3f} {tab[g, 'headings'] / n:>18.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
