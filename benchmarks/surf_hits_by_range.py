"""Where a surfer's hits come from: the enemy's hits / shots by round, distance at fire and our distance to a wall.

    python benchmarks/surf_hits_by_range.py [--bot lock+learned+surf] [--enemy sample.VelociRobot]
                                            [--seeds 1..5] [--rounds 35]

Each enemy bullet is counted at its fire turn: the robots' distance and our centre's distance to the nearest
wall at the end of the turn before it left (the state the enemy aimed from), and whether the engine recorded it
hitting us. Rounds are grouped 0 / 1-2 / 3+ (the danger ensemble learns in the first rounds). Issue 19's sixth
round (docs/surf-report.md) used it to find where VelociRobot's last hits come from.
"""
import collections
import math
import sys

DISTANCES = (150.0, 250.0, 350.0, 450.0)     # distance-at-fire bin edges, px
WALLS = (40.0, 80.0, 120.0)                  # our centre's distance to the nearest wall, bin edges, px
ROUND_GROUPS = ("round 0", "rounds 1-2", "rounds 3+")


def _bin(v, edges):
    return sum(v >= e for e in edges)


def _labels(edges):
    return [f"< {edges[0]:.0f}"] + [f"{a:.0f}-{b:.0f}" for a, b in zip(edges, edges[1:])] + [f">= {edges[-1]:.0f}"]


def count(bot, enemy, seeds, rules, on_battle=None):
    """Counter of (table, row, column, 'shots' | 'hits') over the enemy's (robot 1's) bullets; on_battle(n) after
    the n-th battle."""
    from sim.engine.battle import run_battle
    from sim.engine.constants import BS_HIT_VICTIM
    from sim.waves.tracking import _Prepared, bullet_table, BC_ROUND, BC_OWNER, BC_FIRE, BC_END_STATE
    tab = collections.Counter()
    for done, seed in enumerate(seeds, 1):
        res = run_battle([bot, enemy], rules, seed=seed, record=True)
        pr = _Prepared(res)
        x, y = pr.arr["x"], pr.arr["y"]
        bt = bullet_table(res, pr.round_ids)
        for b in bt[bt[:, BC_OWNER] == 1]:
            r = int(b[BC_ROUND])
            j = int(pr.round_start[r]) + int(b[BC_FIRE]) - 1
            if j >= pr.round_start[r + 1]:
                continue
            dist = math.hypot(x[0, j] - x[1, j], y[0, j] - y[1, j])
            wall = min(x[0, j], y[0, j], rules.width - x[0, j], rules.height - y[0, j])
            hit = int(b[BC_END_STATE]) == BS_HIT_VICTIM
            group = 0 if r == 0 else 1 if r <= 2 else 2
            for key in (("distance", group, _bin(dist, DISTANCES)), ("wall", 0, _bin(wall, WALLS))):
                tab[key + ("shots",)] += 1
                tab[key + ("hits",)] += hit
        if on_battle:
            on_battle(done)
    return tab


def main(argv=None):
    from sim.cli.errors import run_command
    return run_command("surf_hits_by_range", _main, list(sys.argv[1:] if argv is None else argv))


def parse_matchup(prog, description, argv, seeds="1..5"):
    """The surfer scripts' shared command line (--bot, --enemy, --seeds, --rounds, progress flags), checked: bad
    input is one line and exit 2. Returns the arguments, the seed list, the rules and a progress bar (or None)
    with its per-battle callback."""
    from bots.registry import parse_bot, BotSpecError
    from sim.cli.args import add_progress_flags, progress_bar, rounds_type, seed_list
    from sim.cli.errors import OneLineParser, UsageError
    from sim.engine.rules import Rules
    ap = OneLineParser(prog=prog, description=description)
    ap.add_argument("--bot", default="lock+learned+surf")
    ap.add_argument("--enemy", default="sample.VelociRobot")
    ap.add_argument("--seeds", default=seeds)
    ap.add_argument("--rounds", type=rounds_type, default=35)
    add_progress_flags(ap)
    a = ap.parse_args(argv)
    try:
        seed_values = seed_list(a.seeds, 10_000, "battle")
        for spec in (a.bot, a.enemy):
            parse_bot(spec)
        rules = Rules(rounds=a.rounds)
    except (ValueError, BotSpecError) as e:
        raise UsageError(str(e)) from None
    bar, update = progress_bar(len(seed_values), a.progress if a.progress is not None else sys.stderr.isatty(),
                               "battles", unit="battle")
    return a, seed_values, rules, bar, update


def _main(argv):
    a, seeds, rules, bar, update = parse_matchup("surf_hits_by_range", __doc__.splitlines()[0], argv)
    tab = count(a.bot, a.enemy, seeds, rules, update)
    if bar:
        bar.close()
    print(f"{a.enemy}'s hits / shots against {a.bot}, {a.rounds} rounds, seeds {a.seeds}")
    print(f"{'distance at fire':18s}" + "".join(f"{c:>14s}" for c in _labels(DISTANCES)))
    for g, name in enumerate(ROUND_GROUPS):
        print(f"{name:18s}" + "".join(f"{tab[('distance', g, c, 'hits')]:>7d}/{tab[('distance', g, c, 'shots')]:<6d}"
                                      for c in range(len(DISTANCES) + 1)))
    print(f"{'our wall distance':18s}" + "".join(f"{c:>14s}" for c in _labels(WALLS)))
    print(f"{'all rounds':18s}" + "".join(f"{tab[('wall', 0, c, 'hits')]:>7d}/{tab[('wall', 0, c, 'shots')]:<6d}"
                                          for c in range(len(WALLS) + 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
