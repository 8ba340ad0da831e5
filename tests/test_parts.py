"""The part interface (bots/part.py), the registry's derivations and users' plug-ins (bots/plugins.py)."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

from bots import registry as R
from bots.layout import P, PLUGIN
from bots.part import layout
from bots.plugins import PluginError, load_plugin
from sim.engine.battle import run_battle
from sim.engine.rules import Rules

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


# --- layouts ---------------------------------------------------------------------------------------------

@given(st.lists(st.integers(1, 50), min_size=1, max_size=12))
def test_layout_fields_tile_the_memory_without_overlap(sizes):
    lay = layout("L", **{f"f{k}": n for k, n in enumerate(sizes)})
    covered = np.zeros(lay.size, dtype=int)
    for k, n in enumerate(sizes):
        covered[getattr(lay, f"f{k}"):getattr(lay, f"f{k}") + n] += 1
    assert lay.size == sum(sizes) and (covered == 1).all()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_layout_refuses_a_field_without_a_positive_whole_size(bad):
    with pytest.raises(ValueError, match="size"):
        layout("L", a=1, b=bad)


def test_no_built_in_part_hand_numbers_the_composite_rows():
    """Kinds come from BUILTIN_PARTS' order, parameter and memory offsets from the declarations."""
    b = R.parse_bot("spin+knn:k=7+orbit:distance=300")
    entries = R.builtin_parts()
    assert b.params[P.radar_kind] == entries["spin"].kind == 1
    assert b.params[P.gun] == entries["knn"].part.params[0].default   # power comes first
    assert b.params[P.gun + [p.name for p in entries["knn"].part.params].index("k")] == 7.0
    sizes = [entries[name].part.size(values) for name, values in b.parts.values()]
    assert b.params[P.gun_mem] - b.params[P.radar_mem] == sizes[0]
    assert b.params[P.movement_mem] - b.params[P.gun_mem] == sizes[1]
    assert b.mem_size == b.params[P.movement_mem] + sizes[2]


# --- plug-ins ----------------------------------------------------------------------------------------------

def _write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


GOOD = """
    import math
    from numba import njit
    from bots.api import set_turn_gun, set_fire
    from bots.enemy import EN_TIME, EN_X, EN_Y
    from bots.part import Part, Param, layout
    from sim.engine.constants import ST_X, ST_Y, ST_GUN, ST_TIME
    from sim.engine.geometry import normal_relative_angle

    MEM = layout("M", turns=1, rounds=1, won=1)

    @njit(cache=True)
    def start(ctx):
        ctx.mem[MEM.rounds] += 1.0

    @njit(cache=True)
    def think(ctx):
        ctx.mem[MEM.turns] += 1.0
        if ctx.en[EN_TIME] >= 0.0:
            a = math.atan2(ctx.en[EN_X] - ctx.st[ST_X], ctx.en[EN_Y] - ctx.st[ST_Y])
            set_turn_gun(ctx.cmd, normal_relative_angle(a - ctx.st[ST_GUN]))
            set_fire(ctx.st, ctx.cmd, ctx.params[0])

    @njit(cache=True)
    def end(ctx):
        ctx.mem[MEM.won] += ctx.won

    GUN = Part("testgun", "gun", "head-on, counting", think=think, round_start=start, round_end=end,
               params=(Param("power", 1.0, 0.1, 3.0, "bullet power"),), memory=MEM)
"""


def test_a_plugin_part_plays_and_keeps_its_own_memory(tmp_path):
    path = _write(tmp_path, "good.py", GOOD)
    plugin = load_plugin(path)
    spec = R.parse_bot("lock+testgun:power=2+orbit", [plugin])
    assert spec.params[P.gun_kind] == PLUGIN and spec.tier == R.TIER_CLASSIC
    assert all(spec.params[P.gun_hooks:P.gun_hooks + 3] > 0.0)
    res = run_battle([spec, "sample.SittingDuck"], Rules(rounds=3), seed=4, keep_memory=True)
    mem = res.memory[0, int(spec.params[P.gun_mem]):]
    assert mem[1] == 3.0                                  # round_start ran once a round
    assert res.total_turns - 3 * 40 <= mem[0] <= res.total_turns + 3   # think ran every turn until the end
    assert mem[2] == res.results[[r.name for r in res.results].index(spec.name)].firsts   # round_end saw won
    assert res.round_stats[:, 0, 0].sum() > 10             # it fired
    again = run_battle(["lock+testgun:power=2+orbit", "sample.SittingDuck"], Rules(rounds=3), seed=4,
                       parts=[path], keep_memory=True)
    assert (again.round_scores == res.round_scores).all()  # a battle is a pure function of its inputs


def test_a_plugin_loads_once_per_content_and_again_when_edited(tmp_path):
    path = _write(tmp_path, "good.py", GOOD)
    first = load_plugin(path)
    assert load_plugin(path) is first
    path.write_text(path.read_text().replace('"head-on, counting"', '"edited"'))
    edited = load_plugin(path)
    assert edited is not first and edited.parts[0].doc == "edited"


@pytest.mark.parametrize("body,message", [
    ("def think(ctx)\n    pass\n", "line 1: syntax error"),
    ("raise RuntimeError('no')\n", "RuntimeError: no"),
    ("x = 1\n", "defines no bots.part.Part"),
    ("from bots.part import Part\nGUN = Part('g', 'gun', 'doc', think=None)\n", "has no think hook"),
    ("from bots.part import Part\ndef think(ctx):\n    pass\nGUN = Part('g', 'gun', 'doc', think=think)\n",
     "must be an @njit function"),
    ("from numba import njit\nfrom bots.part import Part\n@njit\ndef think(p, m):\n    pass\n"
     "GUN = Part('g', 'gun', 'doc', think=think)\n", "must take one argument"),
    ("from numba import njit\nfrom bots.part import Part\n@njit\ndef think(ctx):\n    pass\n"
     "GUN = Part('g', 'cannon', 'doc', think=think)\n", "role 'cannon'"),
    ("from numba import njit\nfrom bots.part import Part\n@njit\ndef think(ctx):\n    pass\n"
     "GUN = Part('lock+x', 'gun', 'doc', think=think)\n", "must be a Python identifier"),
    ("from numba import njit\nfrom bots.part import Part\n@njit\ndef think(ctx):\n    ctx.nothing[0] = 1.0\n"
     "GUN = Part('g', 'gun', 'doc', think=think)\n", "part 'g': think (think) does not compile"),
])
def test_a_broken_plugin_gets_one_line_naming_the_file_and_the_part(tmp_path, body, message):
    path = _write(tmp_path, "broken.py", body)
    with pytest.raises(PluginError) as err:
        load_plugin(path)
    text = str(err.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_a_plugin_part_cannot_take_a_built_in_name(tmp_path):
    path = _write(tmp_path, "dup.py", GOOD.replace('"testgun"', '"circular"'))
    with pytest.raises(R.BotSpecError, match="already a built-in part"):
        R.parse_bot("lock+circular", [path])


def _cli(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=900)


def test_cli_battle_and_bots_take_parts_and_report_a_broken_file_in_one_line(tmp_path):
    good = _write(tmp_path, "good.py", GOOD)
    out = _cli("bots", "--json", "--parts", str(good))
    assert out.returncode == 0, out.stderr
    part = [p for p in json.loads(out.stdout)["parts"] if p["name"] == "testgun"][0]
    assert part["plugin"] == str(good) and part["params"][0]["name"] == "power"
    out = _cli("battle", "lock+testgun+still", "sample.SittingDuck", "--rounds", "2", "--json", "--parts", str(good))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["results"][0]["name"] == "lock+testgun+still"
    broken = _write(tmp_path, "broken.py", "def think(ctx)\n")
    out = _cli("battle", "lock+x+still", "sample.SittingDuck", "--parts", str(broken))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("gfsim battle: error: " + str(broken))
    out = _cli("battle", "lock+testgun+still", "sample.SittingDuck")
    assert out.returncode == 2 and "--parts" in out.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_plays(path):
    plugin = load_plugin(path)
    assert plugin.parts
    for part in plugin.parts:
        others = {"radar": "lock", "gun": "circular", "movement": "orbit"}
        others[part.role] = part.name
        spec = "+".join(others[r] for r in ("radar", "gun", "movement"))
        res = run_battle([spec, "sample.Crazy"], Rules(rounds=3), seed=2, parts=[path])
        assert res.total_turns > 100
        me = res.round_stats[:, 0, :].sum(axis=0)
        if part.role == "gun":
            assert me[0] > 5 and me[1] > 0, (part.name, me)   # it fired, and hit
