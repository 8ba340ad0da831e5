"""The `forecast` gun's own bullets against the offline probe's aim at the same bullets (issue 17).

    python benchmarks/gun_vs_probe.py GUN MOVEMENT[,MOVEMENT..] [--seeds 0..2] [--rounds 35] [--jobs 1] [--json]

Why: offline the probe (benchmarks/play_forward.py) aims at 80-90% of the oracle, the gun in battle lower. Is the
gap the situations the gun fires in, or how the gun aims? This plays ``lock+GUN:power=3,energy_rule=0+still``
against the mover, runs the probe over that battle (`play_forward.py --shooter GUN`: the same learner and corpus,
aiming each bullet with what was seen up to F-2, the shooter's later shots as recorded) and, on the same scored
bullets (waves that passed the living mover), compares the gun's real hits with the probe's. The gun's aim rows
(its diagnostics) say which bullets it aimed in F-2 (lag 2, the probe's information) and which in F-3 (lag 3: the
gun could not turn to its first aim in one turn, and aimed again for a turn later with what it had seen a turn
before). On lag-2 bullets the two differ only by what the gun does not know that the probe does -- its own later
shots -- and by their random draws.

Per movement and lag: bullets, the gun's hit %, the probe's, and the paired difference (gun - probe) as mean ±
95% Student-t interval over the seasons. GUN must be a `forecast` gun (it reads its aim rows).
"""
import sys


def _task(args):
    import numpy as np
    import play_forward as pf

    from bots.guns import forecast as fg
    from bots.telemetry import TELE_COLUMNS
    from sim.engine.battle import run_battle
    from sim.engine.rules import Rules
    movement, shooter, mover, seed, rounds = args
    names, _, corpus = pf.load_corpus(fg.corpus_path(""))
    fit = pf.hazard_fit_of(pf.read_hazard_fit(fg.fit_path({}), fg._fit_fail, pf.N_RAW))
    rules = Rules(rounds=rounds)
    res = run_battle([shooter, mover], rules, seed=seed, record=True, diagnostics=True, compile_progress=False)
    probe = pf.season(mover, seed, rules, 32, 4000, np.array(pf.DEFAULT_CAP), np.array(pf.DEFAULT_HEADING_SCALE),
                      pf.DEFAULT_K_HEADING, np.array(pf.DEFAULT_VELOCITY_SCALE), pf.DEFAULT_K_VELOCITY, "hazard",
                      pf.DEFAULT_PRIOR, 0, corpus, 0, fit, shooter, per_bullet=True, result=res)["bullets"]
    col = {c: k for k, c in enumerate(TELE_COLUMNS)}
    d = res.diagnostics
    rows = d[(d[:, col["robot"]] == 0) & (d[:, col["kind"]] == fg.TK_FORECAST_AIM)]
    values = rows[:, col["kind"] + 3:]
    rows = rows[values[:, fg.DIAG_AIM.pre] == 0.0]                   # the aims it fires from
    lag_of = {(int(r[col["round"]]), int(r[col["turn"]])): int(r[col["kind"] + 3 + fg.DIAG_AIM.lag]) for r in rows}
    out = dict(movement=movement, seed=seed, bullets=len(probe["turn"]))
    for lag in (2, 3):
        mine = [k for k, (r, f) in enumerate(zip(probe["round"], probe["turn"])) if lag_of.get((r, f - lag)) == lag]
        out[f"lag{lag}"] = dict(bullets=len(mine), gun=sum(probe["shooter_hit"][k] for k in mine),
                                probe=sum(probe["hit"][k] for k in mine))
    return out


def summarize(battles):
    """Per movement and lag: bullets, pooled hit % of the gun and of the probe, and the per-battle paired difference
    gun - probe in points (challenge.mean_ci)."""
    from sim.experiments.challenge import mean_ci
    out = []
    for movement in dict.fromkeys(b["movement"] for b in battles):
        mine = [b for b in battles if b["movement"] == movement]
        row = dict(movement=movement, seeds=[b["seed"] for b in mine])
        for lag in ("lag2", "lag3"):
            n = sum(b[lag]["bullets"] for b in mine)
            diffs = [100.0 * (b[lag]["gun"] - b[lag]["probe"]) / b[lag]["bullets"] for b in mine if b[lag]["bullets"]]
            row[lag] = dict(bullets=n, share=100.0 * n / max(1, sum(b[x]["bullets"] for b in mine
                                                                   for x in ("lag2", "lag3"))),
                            gun=100.0 * sum(b[lag]["gun"] for b in mine) / max(1, n),
                            probe=100.0 * sum(b[lag]["probe"] for b in mine) / max(1, n),
                            gun_minus_probe=mean_ci(diffs) if len(diffs) > 1 else None)
        out.append(row)
    return out


def main(argv=None):
    from shots_in_flight import challenge_bots, challenge_parser, played

    from sim.cli.errors import UsageError, run_command
    from sim.cli.output import json_text
    from sim.experiments.challenge import parse_seeds

    def run(argv):
        p = challenge_parser("gun_vs_probe.py", __doc__, seeds="0..2", seeds_are="tuning seeds")
        a = p.parse_args(argv)
        if a.gun.split(":")[0] != "forecast":
            raise UsageError(f"gun_vs_probe.py reads a forecast gun's aim rows, not {a.gun!r}")
        seeds = parse_seeds(a.seeds)
        shooter, movers = challenge_bots(a.gun, a.movements)
        tasks = [(m, shooter, spec, s, a.rounds) for m, spec in movers.items() for s in seeds]
        battles = played(_task, tasks, a.jobs, a.progress, [shooter, *movers.values()], "battle")
        rows = summarize(battles)
        if a.json:
            sys.stdout.write(json_text(dict(gun=a.gun, shooter=shooter, rounds=a.rounds, rows=rows, battles=battles)))
            return 0
        for r in rows:
            for lag in ("lag2", "lag3"):
                c = r[lag]
                diff = c["gun_minus_probe"]
                print(f"{a.gun} vs {r['movement']}, {lag[:3]} {lag[3]}: {c['bullets']} bullets ({c['share']:.0f}%), "
                      f"gun {c['gun']:.1f}%, probe {c['probe']:.1f}%"
                      + ("" if diff is None else f", gun - probe {diff['mean']:+.1f} ± {diff['half']:.1f} points"))
        return 0
    return run_command("gun_vs_probe.py", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
