"""`gfsim surf-report`: why a wave surfer is hit, bullet by bullet, from the engine's truth and the surfer's view.

    gfsim surf-report BOT ENEMY [ENEMY ...] [--rounds 35] [--seeds 1..3] [--jobs 2] [--json]

BOT is a composite bot with the `surf` movement. Every battle is played recorded and with the surfer's
diagnostic rows (bots/movements/surf.py DIAG_*: each wave it detected or rejected, each plan with the
guess factors each option's box covers, each deviation from its one-turn prediction, each wave's end),
which never change the battle. The truth is the engine's: every enemy bullet's fire turn, power, heading
and fate (sim/waves/tracking.py's bullet table), and both robots' recorded states.

Each enemy bullet that hit the surfer gets one cause, the first of CAUSES that applies:

not_detected     no detected wave covers the bullet's fire turn; `detail` says why: the surfer rejected the
                 energy drop (scan_gap: the scan before was not the one it saw; gun_hot; small; history),
                 or the enemy record saw no drop in 0.1..3 because something else changed the enemy's
                 energy in the same scan interval (wall, ram, our_hit: our bullet hit it, its_hit: one of
                 its bullets hit us, collision, two_shots), or the round ended first (unobservable)
wrong_power      a wave was detected for that scan interval with another power
wrong_turn       ... with the right power but another fire turn
late             the right wave, detected after the turn the bullet was fired (a scan gap)
wrong_source     the right fire turn and power, the source off by more than 0.01 px (interpolated across a gap)
wave_dropped     the right wave had left the surfer's table before the bullet hit (passed, matched to
                 another bullet, or evicted by a ninth wave)
no_plan          no plan was made with the wave in it
ram              the surfer's path was pushed off its prediction by a ram between detection and impact
deviation        ... by anything else (a wall hit the prediction did not foresee)
predicted_miss   the last plan's chosen option (or path) covers guess factors that exclude the bullet's: the
                 prediction of the cover was wrong (a bug; should be 0)
chose_danger     another option of the last plan would have dodged the bullet, but the danger model rated
                 it more dangerous
committed        no option of the last plan dodged, but one of an earlier plan with this wave did (with path
                 surfing, `paths` > 0, the options are orbit / brake / reverse and the path driven)
too_close        no option ever dodged and the time from detection to impact is too short to move one robot
                 width (36 px) at full acceleration from the velocity at detection
no_option        no option ever dodged though there was time: orbit / brake / reverse are too few choices
                 (path surfing's case)

Besides hits: every enemy bullet's detection (right / late / wrong / missed with the same reasons), false
detections (waves with no bullet fired in their scan interval, with what coincided), rams (turns in
contact and the enemy's ram damage) and the battle's score share and enemy hit rate.
"""
import json
import math
import sys

import numpy as np

from sim.cli.args import (
    MAX_JOBS,
    MAX_SEEDS,
    add_parts_flag,
    add_progress_flags,
    add_rules_args,
    bounded_int,
    seed_list,
)
from sim.cli.errors import OneLineParser, UsageError, run_command

CAUSES = ("not_detected", "wrong_power", "wrong_turn", "late", "wrong_source", "wave_dropped", "no_plan", "ram",
          "deviation", "predicted_miss", "chose_danger", "committed", "too_close", "no_option")
DETECTIONS = ("right", "late", "wrong_source", "wrong_power", "wrong_turn", "missed", "unobservable")
SOURCE_TOL = 0.01          # px: a source estimate further off than this is "wrong"
GF_TOL = 1e-9              # a bullet's GF this close to a cover's edge counts as inside
DODGE_WIDTH = 36.0         # px: one robot width, the most a bullet aimed anywhere at the box needs us to move
DIAG_CAPACITY = 20000      # telemetry rows per round: a plan every turn of a long round fits
REJECT_NAMES = {1: "scan_gap", 2: "gun_hot", 3: "small", 4: "history"}
END_NAMES = {1: "passed", 2: "hit_us", 3: "hit_bullet", 4: "unmatched_hit", 5: "unmatched_collision"}


def reach(v0, turns):
    """Largest distance a robot moving at v0 can cover in `turns` turns along its line, either way, with
    Robocode's acceleration rules (sim/engine/physics.py new_velocity)."""
    from sim.engine.physics import new_velocity
    best = 0.0
    for goal in (1e9, -1e9):
        v = float(v0)
        x = 0.0
        for _ in range(int(turns)):
            v = new_velocity(v, goal - x, 8.0)
            x += v
        best = max(best, abs(x))
    return best


def _rel(a):
    return (a + math.pi) % (2.0 * math.pi) - math.pi


class _Battle:
    """One recorded battle with diagnostics, reshaped for the analysis."""

    def __init__(self, result, surfer):
        from bots.movements import surf as S
        from sim.waves.tracking import _Prepared, scans_nb
        self.S = S
        self.res = result
        self.i = surfer
        self.e = 1 - surfer
        pr = _Prepared(result)
        self.pr = pr
        a = pr.arr
        self.a = a
        n = a["x"].shape[1]
        self.scanned = np.zeros((2, n), dtype=np.bool_)
        scans_nb(pr.round_start, a["x"], a["y"], a["heading"], a["gun"], a["radar"], a["state"], pr.bx, pr.by,
                 self.scanned)
        d = result.diagnostics
        d = d[d[:, 0] == surfer]
        self.rows = {}
        ridx = {int(r): k for k, r in enumerate(pr.round_ids)}
        for kind in (S.TK_SURF_WAVE, S.TK_SURF_REJECT, S.TK_SURF_PLAN, S.TK_SURF_DEVIATION, S.TK_SURF_WAVE_END):
            sel = d[d[:, 1] == kind]
            rr = np.array([ridx.get(int(r), -1) for r in sel[:, 2]], dtype=np.int64)
            self.rows[kind] = (rr, sel[:, 3].astype(np.int64), sel[:, 4:])

    def kind(self, kind, r):
        rr, turn, vals = self.rows[kind]
        sel = rr == r
        return turn[sel], vals[sel]

    def j(self, r, turn):
        return int(self.pr.round_start[r]) + int(turn)

    def round_turns(self, r):
        return int(self.pr.round_start[r + 1] - self.pr.round_start[r]) - 1

    def scan_interval(self, r, tf):
        """(t1, t2): the surfer's scans around fire turn tf (t1 < tf <= t2), None if no scan after it."""
        j0 = int(self.pr.round_start[r])
        T = self.round_turns(r)
        sc = self.scanned[self.i, j0:j0 + T + 1]
        after = np.nonzero(sc[tf:])[0]
        if len(after) == 0:
            return None
        t2 = tf + int(after[0])
        before = np.nonzero(sc[:tf])[0]
        t1 = int(before[-1]) if len(before) else -1
        return t1, t2

    def confounders(self, r, t1, t2):
        """What else changed the enemy's energy in turns (t1, t2] (the reasons a drop is misread)."""
        from sim.engine.constants import (
            BS_HIT_BULLET,
            BS_HIT_VICTIM,
            RS_HIT_ROBOT,
            RS_HIT_WALL,
        )
        from sim.waves.tracking import (
            BC_END_STATE,
            BC_END_TURN,
            BC_FIRE,
            BC_OWNER,
            BC_ROUND,
        )
        st = self.a["state"]
        out = []
        ks = range(max(t1, 0) + 1, t2 + 1)
        if any(st[self.e, self.j(r, k)] == RS_HIT_WALL for k in ks):
            out.append("wall")
        if any(st[0, self.j(r, k)] == RS_HIT_ROBOT or st[1, self.j(r, k)] == RS_HIT_ROBOT for k in ks):
            out.append("ram")
        bul = self.pr.bul
        rnd = bul[bul[:, BC_ROUND] == r]
        ended = rnd[(rnd[:, BC_END_TURN] > t1) & (rnd[:, BC_END_TURN] <= t2)]
        if np.any((ended[:, BC_OWNER] == self.i) & (ended[:, BC_END_STATE] == BS_HIT_VICTIM)):
            out.append("our_hit")
        if np.any((ended[:, BC_OWNER] == self.e) & (ended[:, BC_END_STATE] == BS_HIT_VICTIM)):
            out.append("its_hit")
        if np.any(ended[:, BC_END_STATE] == BS_HIT_BULLET):
            out.append("collision")
        fired = rnd[(rnd[:, BC_OWNER] == self.e) & (rnd[:, BC_FIRE] > t1) & (rnd[:, BC_FIRE] <= t2)]
        if len(fired) > 1:
            out.append("two_shots")
        if self.a["energy"][self.e, self.j(r, t2)] == 0.0:
            out.append("disabled")
        return out


def _covering_detection(B, r, tf):
    """The surfer's detection whose scan interval (turn - gap, turn] holds fire turn tf: (turn, values) or None."""
    turns, vals = B.kind(B.S.TK_SURF_WAVE, r)
    W = B.S.DIAG_WAVE
    for t, v in zip(turns, vals):
        if t - v[W.gap] < tf <= t:
            return int(t), v
    return None


def _detection(B, r, tf, power, src):
    """How the surfer saw the enemy bullet fired in turn tf: (class, detail, detect turn, wave values)."""
    S = B.S
    W = S.DIAG_WAVE
    hit = _covering_detection(B, r, tf)
    if hit is None:
        iv = B.scan_interval(r, tf)
        if iv is None:
            return "unobservable", "round ended or a robot died before a scan", -1, None
        t1, t2 = iv
        rt, rv = B.kind(S.TK_SURF_REJECT, r)
        for t, v in zip(rt, rv):
            if t == t2:
                return "missed", REJECT_NAMES.get(int(v[S.DIAG_REJECT.reason]), "?"), int(t), None
        conf = B.confounders(r, t1, t2)
        return "missed", ",".join(conf) if conf else "unexplained", t2, None
    t, v = hit
    if abs(v[W.power] - power) > 1e-6:
        return "wrong_power", f"{v[W.power]:.3f} for {power:.3f}", t, v
    if int(v[W.fire]) != tf:
        return "wrong_turn", f"fire turn {int(v[W.fire])} for {tf}", t, v
    if t > tf:
        return "late", f"{t - tf} turns late", t, v
    if math.hypot(v[W.sx] - src[0], v[W.sy] - src[1]) > SOURCE_TOL:
        return "wrong_source", f"{math.hypot(v[W.sx] - src[0], v[W.sy] - src[1]):.2f} px off", t, v
    return "right", "", t, v


def _hit_cause(B, r, tf, te, heading, det_class, det_detail, t_det, wv):
    """The cause of an enemy bullet fired in turn tf that hit the surfer in turn te, with its details."""
    S = B.S
    W, P, D, E = S.DIAG_WAVE, S.DIAG_PLAN, S.DIAG_DEVIATION, S.DIAG_WAVE_END
    info = {}
    if det_class in ("missed", "unobservable"):
        return "not_detected", det_detail, info
    if det_class in ("wrong_power", "wrong_turn"):
        return det_class, det_detail, info
    if det_class == "late":
        info["turns_late"] = t_det - tf
    fire = int(wv[W.fire])
    g = _rel(heading - wv[W.bearing]) * wv[W.lat] / wv[W.mea]
    info["gf"] = g
    # the wave's fate in the surfer's table
    et, ev = B.kind(S.TK_SURF_WAVE_END, r)
    for t, v in zip(et, ev):
        if int(v[E.fire]) == fire and t < te:
            return "wave_dropped", END_NAMES.get(int(v[E.reason]), "?") + f" in turn {t}", info
    # plans with this wave, from detection to impact
    pt, pv = B.kind(S.TK_SURF_PLAN, r)
    plans = [(int(t), v) for t, v in zip(pt, pv) if t_det <= t <= te and fire in (int(v[P.fire_a]), int(v[P.fire_b]))]
    info["plans"] = len(plans)
    dt, dv = B.kind(S.TK_SURF_DEVIATION, r)
    devs = [(int(t), v) for t, v in zip(dt, dv) if t_det < t <= te]
    if devs:
        worst = max(math.hypot(v[D.x] - v[D.px], v[D.y] - v[D.py]) for _, v in devs)
        info["deviation_px"] = worst
    if any(v[D.rammed] != 0.0 for _, v in devs):
        return "ram" if det_class == "right" else det_class, f"{len(devs)} deviations, up to {worst:.1f} px", info
    if det_class != "right":
        return det_class, det_detail, info
    if devs:
        return "deviation", f"{len(devs)} deviations, up to {worst:.1f} px", info
    if not plans:
        return "no_plan", "", info

    def dodges(v):
        """Per option: (cover lo, hi, dodges the bullet?) for this wave in plan values v."""
        side = "a" if int(v[P.fire_a]) == fire else "b"
        lo = v[getattr(P, side + "_lo"):getattr(P, side + "_lo") + 3]
        hi = v[getattr(P, side + "_hi"):getattr(P, side + "_hi") + 3]
        lo = list(lo)
        hi = list(hi)
        if v[P.switch] >= 0.0:          # path surfing drove a path that switches: its own cover comes last
            lo.append(v[P.p_lo] if side == "a" else v[P.pb_lo])
            hi.append(v[P.p_hi] if side == "a" else v[P.pb_hi])
        out = []
        for k in range(len(lo)):
            if not (np.isfinite(lo[k]) and np.isfinite(hi[k])):
                out.append((lo[k], hi[k], None))
            else:
                out.append((lo[k], hi[k], not (lo[k] - GF_TOL <= g <= hi[k] + GF_TOL)))
        return side, out

    t_last, v_last = plans[-1]
    side, opts = dodges(v_last)
    if v_last[P.switch] >= 0.0:
        chosen = 3
        info["switch"] = float(v_last[P.switch])
        info["chosen2"] = float(v_last[P.chosen2])
        info["path_cover"] = [float(opts[3][0]), float(opts[3][1])]
    else:
        chosen = next(k for k in range(3) if v_last[P.opt + k] == v_last[P.chosen])
    opts, path = opts[:3], opts[chosen]
    info.update(last_plan=t_last, wave=side, chosen=float(v_last[P.chosen]),
                options=[float(x) for x in v_last[P.opt:P.opt + 3]],
                covers=[[float(lo), float(hi)] for lo, hi, _ in opts],
                danger=[float(x) for x in v_last[P.total:P.total + 3]])
    lo, hi, dodged = path
    if dodged:
        return "predicted_miss", f"chosen cover [{lo:.3f}, {hi:.3f}], bullet at GF {g:.3f}", info
    if any(o[2] for o in opts):
        k = next(k for k in range(3) if opts[k][2])
        total = v_last[P.total + chosen] if chosen < 3 else float("nan")
        return "chose_danger", (f"option {v_last[P.opt + k]:+.0f} dodged (danger {v_last[P.total + k]:.3g} vs "
                                f"{total:.3g} chosen)"), info
    for t, v in plans[:-1]:
        if any(o[2] for o in dodges(v)[1]):
            return "committed", f"the plan of turn {t} had a dodging option", info
    v0 = B.a["velocity"][B.i, B.j(r, t_det)]
    room = reach(v0, te - t_det)
    info.update(turns_to_impact=te - t_det, reach_px=room)
    src = (wv[W.sx], wv[W.sy])
    info["distance"] = math.hypot(B.a["x"][B.i, B.j(r, tf - 1)] - src[0], B.a["y"][B.i, B.j(r, tf - 1)] - src[1])
    if room < DODGE_WIDTH:
        return "too_close", f"{te - t_det} turns, reach {room:.0f} px at {info['distance']:.0f} px", info
    return "no_option", f"{te - t_det} turns, reach {room:.0f} px at {info['distance']:.0f} px", info


def analyse(result, surfer=0):
    """The report of one battle played with run_battle(record=True, diagnostics=True): a JSON-able dict
    with "hits" (one dict per enemy bullet that hit the surfer), "causes" and "detections" (counts),
    "false_detections" (list), rams and the battle's numbers."""
    from sim.engine.constants import BS_HIT_VICTIM, RS_HIT_ROBOT, S_RAM_DMG
    from sim.waves.tracking import (
        BC_END_STATE,
        BC_END_TURN,
        BC_FIRE,
        BC_HEADING,
        BC_OWNER,
        BC_POWER,
        BC_ROUND,
    )
    if result.diagnostics is None:
        raise ValueError("the battle was played without diagnostics (run_battle(..., diagnostics=True))")
    B = _Battle(result, surfer)
    S = B.S
    W = S.DIAG_WAVE
    bul = B.pr.bul
    mine = bul[bul[:, BC_OWNER] == B.e]
    hits = []
    causes = dict.fromkeys(CAUSES, 0)
    dets = dict.fromkeys(DETECTIONS, 0)
    missed_why = {}
    claimed = set()
    for b in mine:
        r = int(b[BC_ROUND])
        tf = int(b[BC_FIRE])
        if tf < 1:
            continue
        src = (B.a["x"][B.e, B.j(r, tf - 1)], B.a["y"][B.e, B.j(r, tf - 1)])
        dc, detail, t_det, wv = _detection(B, r, tf, b[BC_POWER], src)
        dets[dc] += 1
        if dc == "missed":
            missed_why[detail] = missed_why.get(detail, 0) + 1
        if wv is not None:
            claimed.add((r, int(t_det)))
        if b[BC_END_STATE] != BS_HIT_VICTIM:
            continue
        te = int(b[BC_END_TURN])
        cause, why, info = _hit_cause(B, r, tf, te, b[BC_HEADING], dc, detail, t_det, wv)
        causes[cause] += 1
        hits.append(dict(round=int(B.pr.round_ids[r]), fire_turn=tf, hit_turn=te, power=float(b[BC_POWER]),
                         detection=dc, detected_turn=int(t_det), cause=cause, why=why,
                         **{k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in info.items()}))
    false = []
    for r in range(len(B.pr.round_ids)):
        turns, vals = B.kind(S.TK_SURF_WAVE, r)
        for t, v in zip(turns, vals):
            if (r, int(t)) in claimed:
                continue
            rnd = mine[mine[:, BC_ROUND] == r]
            fired = rnd[(rnd[:, BC_FIRE] > t - v[W.gap]) & (rnd[:, BC_FIRE] <= t)]
            if len(fired):
                continue      # a bullet was fired then: counted above as wrong power / turn
            conf = B.confounders(r, int(t - v[W.gap]), int(t))
            false.append(dict(round=int(B.pr.round_ids[r]), turn=int(t), power=float(v[W.power]),
                              why=",".join(conf) if conf else "unexplained"))
    st = B.a["state"]
    ram_turns = int(np.sum(st[B.i] == RS_HIT_ROBOT) + np.sum(st[B.e] == RS_HIT_ROBOT))
    rs = result.round_stats.sum(axis=0)
    names = result.names
    total = {r.name: r.total for r in result.results}
    all_ = sum(total.values()) or 1.0
    return dict(surfer=names[B.i], enemy=names[B.e], seed=int(result.seed), rounds=int(result.rules.rounds),
                score_share=100.0 * total[names[B.i]] / all_,
                enemy_shots=int(rs[B.e, 0]), enemy_hits=int(rs[B.e, 1]),
                enemy_ram_damage=float(result.round_scores[:, B.e, S_RAM_DMG].sum()), ram_turns=ram_turns,
                causes=causes, detections=dets, missed_why=missed_why,
                false_detections=false, hits=hits, telemetry_dropped=int(result.telemetry_dropped))


# --------------------------------------------------------------------------- the command

def report_battle(task):
    """Play one battle (bot spec, enemy spec, parts, rules dict, seed) with diagnostics and analyse it."""
    from bots.registry import parse_bot
    from sim.engine.battle import run_battle
    from sim.engine.rules import Rules
    bot, enemy, parts, rules, seed = task
    specs = [parse_bot(bot, list(parts) or None), parse_bot(enemy, list(parts) or None)]
    res = run_battle(specs, Rules(**rules), seed=seed, record=True, diagnostics=True,
                     telemetry_capacity=DIAG_CAPACITY)
    return analyse(res, 0)


def merge(reports):
    """Counts summed over battles (causes, detections, false detections, missed reasons)."""
    out = dict(battles=len(reports), causes=dict.fromkeys(CAUSES, 0), detections=dict.fromkeys(DETECTIONS, 0),
               missed_why={}, false_why={}, enemy_shots=0, enemy_hits=0, ram_turns=0, enemy_ram_damage=0.0)
    for rp in reports:
        for k in CAUSES:
            out["causes"][k] += rp["causes"][k]
        for k in DETECTIONS:
            out["detections"][k] += rp["detections"][k]
        for k, v in rp["missed_why"].items():
            out["missed_why"][k] = out["missed_why"].get(k, 0) + v
        for f in rp["false_detections"]:
            out["false_why"][f["why"]] = out["false_why"].get(f["why"], 0) + 1
        for k in ("enemy_shots", "enemy_hits", "ram_turns", "enemy_ram_damage"):
            out[k] += rp[k]
    out["score_share"] = float(np.mean([rp["score_share"] for rp in reports])) if reports else float("nan")
    return out


def format_report(by_enemy):
    """The text table: one row per enemy, one column per cause (only causes that occurred anywhere)."""
    used = [c for c in CAUSES if any(m["causes"][c] for m in by_enemy.values())]
    head = ["enemy", "share %", "hits/shots", "hit %", "rams"] + used + ["false det."]
    rows = []
    for name, m in by_enemy.items():
        shots = m["enemy_shots"]
        rows.append([name, f"{m['score_share']:.1f}", f"{m['enemy_hits']}/{shots}",
                     f"{100.0 * m['enemy_hits'] / shots:.1f}" if shots else "-", str(m["ram_turns"])]
                    + [str(m["causes"][c]) for c in used] + [str(sum(m["false_why"].values()))])
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(head)]
    lines = ["  ".join(h.ljust(widths[k]) if k == 0 else h.rjust(widths[k]) for k, h in enumerate(head))]
    for r in rows:
        lines.append("  ".join(c.ljust(widths[k]) if k == 0 else c.rjust(widths[k]) for k, c in enumerate(r)))
    notes = []
    for name, m in by_enemy.items():
        d = m["detections"]
        extra = []
        if m["missed_why"]:
            extra.append("missed: " + ", ".join(f"{k} {v}" for k, v in sorted(m["missed_why"].items())))
        if m["false_why"]:
            extra.append("false: " + ", ".join(f"{k} {v}" for k, v in sorted(m["false_why"].items())))
        notes.append(f"{name}: detections " + ", ".join(f"{k} {d[k]}" for k in DETECTIONS if d[k])
                     + ("; " + "; ".join(extra) if extra else ""))
    return "\n".join(lines + [""] + notes)


def build_parser(prog="gfsim surf-report"):
    p = OneLineParser(prog=prog, description=(
        "Play BOT (a composite bot with the surf movement) against each ENEMY, one battle per seed, and say for "
        "every enemy bullet that hit it why: not detected (and why), wrong power / fire turn / source, detected "
        "late, wave dropped, path pushed off its prediction by a ram or a wall, prediction wrong, a dodging "
        "option rated more dangerous, committed by an earlier plan, too close to dodge, or no option dodged. "
        "Also every detection's accuracy and false detections. The surfer's view comes from its diagnostic "
        "rows, which do not change the battles."))
    p.add_argument("bot", metavar="BOT", help="the surfer, e.g. lock+learned+surf (robot 0)")
    p.add_argument("enemies", metavar="ENEMY", nargs="+", help="one or more opponents, e.g. sample.Walls")
    add_rules_args(p, rounds_help="rounds per battle")
    p.add_argument("--seeds", default="1",
                   help=f"battle seeds: 7, 1,2,5 or 1..10, each within +-2**53, at most {MAX_SEEDS:,} (default 1)")
    p.add_argument("--jobs", type=bounded_int(1, MAX_JOBS), default=1,
                   help=f"battles in parallel local processes, 1 to {MAX_JOBS} (default 1)")
    p.add_argument("--json", action="store_true",
                   help="print every battle's report (per-bullet detail) and the totals as JSON")
    add_parts_flag(p)
    add_progress_flags(p)
    return p


def _run(argv):
    from bots.registry import BotSpecError, parse_bot
    from sim.engine.rules import rules_from_args
    args = build_parser().parse_args(argv)
    rules = rules_from_args(args, error=UsageError)
    try:
        seeds = seed_list(args.seeds, MAX_SEEDS, "battle")
    except ValueError as e:
        raise UsageError(str(e)) from None
    from sim.cli.main import load_plugins
    plugins = load_plugins(args.parts, UsageError)
    try:
        spec = parse_bot(args.bot, plugins)
        for en in args.enemies:
            parse_bot(en, plugins)
    except BotSpecError as e:
        raise UsageError(str(e)) from None
    if spec.parts.get("movement", ("",))[0] != "surf":
        raise UsageError(f"{args.bot}: BOT must be a composite bot with the surf movement (e.g. lock+learned+surf)")
    parts = tuple(args.parts or ())
    tasks = [(args.bot, en, parts, rules.as_dict(), s) for en in args.enemies for s in seeds]
    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.json)
    from sim.engine.battle import warm_up
    warm_up([spec])
    from sim.experiments.workers import map_tasks_shown
    reports = map_tasks_shown(report_battle, tasks, args.jobs, show, "surf-report", "battle")
    by_enemy = {}
    for en in args.enemies:
        by_enemy[en] = merge([rp for rp, t in zip(reports, tasks) if t[1] == en])
    if args.json:
        json.dump(dict(bot=args.bot, seeds=seeds, rounds=rules.rounds, totals=by_enemy, battles=reports),
                  sys.stdout, indent=1, allow_nan=True)
        sys.stdout.write("\n")
        return 0
    print(f"{args.bot}: causes of the enemy bullets that hit it ({rules.rounds} rounds, seeds {args.seeds})")
    print(format_report(by_enemy))
    return 0


def main(argv=None):
    return run_command("gfsim surf-report", _run, list(sys.argv[1:] if argv is None else argv))
