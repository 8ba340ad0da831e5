"""Run real Robocode 1.9.3.9 (the Debian package) from Python: battles, scripted scenarios, records.

Everything gfsim needs from the real engine goes through here:

* :func:`robocode_available` -- is Java + robocode.jar installed? (``GFSIM_ROBOCODE_JAR``
  overrides ``/usr/share/java/robocode.jar``; ``GFSIM_ROBOCODE_ROBOTS`` overrides the sample
  robots' directory ``/usr/share/games/robocode/robots``; ``JAVA_HOME`` picks the JDK.)
* :func:`run_real_battle` -- a battle between installed robots (``sample.Walls`` ...), headless,
  with ``-DRANDOMSEED``; returns the results table, wall time and turn counts.
* :func:`run_real_scenario` -- a :mod:`sim.io.scenario` scenario played by the scripted Java robot
  ``tests/robocode/gfsim/ScenarioBot.java``; returns the turn-by-turn trace
  (robot rows, bullet rows) parsed from Robocode's ``-recordXML`` record.
* :func:`parse_record` -- stream-parse a ``-recordXML`` file into trace arrays.

Each run gets a private working directory (a temp dir with ``robots/``, ``battles/``,
``config/``): the sample robots are copied in, the Java harness under ``tests/robocode`` is
compiled once with ``javac -cp robocode.jar`` (cached in the temp dir, keyed by the sources'
hash), ``config/robocode.properties`` fixes the CPU constant (skipping Robocode's 5-second
CPU benchmark; see :data:`CPU_CONSTANT_NS`) and the battle is started with docs/architecture.md's command
line::

    java -Xmx512M --add-opens ... -Djava.awt.headless=true -DNOSECURITY=true -DRANDOMSEED=<seed>
         -DWORKINGDIRECTORY=<dir> -cp robocode.jar robocode.Robocode
         -battle <file> -nodisplay -nosound -results <file> [-recordXML <file>]

Turn counts: the ``-recordXML`` record holds them (``recordInfo/rounds/turns``), but recording
doubles a battle's wall time. Without a record, :func:`run_real_battle` runs the same battle
file through ``tests/robocode/gfsim/BattleRunner.java`` instead, a small ``main()`` on
Robocode's public control API (``robocode.control.RobocodeEngine``, same jar, same battle code,
same seed handling) that prints every round's turn count and times the battle inside the JVM,
which separates JVM start-up from the battle itself (``RealBattle.startup_seconds`` /
``battle_seconds``); ``repeat`` > 1 reruns the battle in the same, warmed-up JVM.

Facts measured on this machine (2 CPUs, OpenJDK 17, Robocode 1.9.3.9):

* ``-DRANDOMSEED=0``: the first robot starts at (568.1445492102063, 163.00322747454453), heading
  4.005011801500041 (Robocode warns "deterministic random generator feature is not supported by
  this JVM": only ``Math.random()`` inside robots stays unseeded; the battle's own
  ``java.util.Random`` -- start positions, robot and bullet order -- is seeded).
  Two runs with the same seed give identical records except for robots' console text timing.
* sample.Walls vs sample.SpinBot, 35 rounds, seed 0: 44,809 turns (plus 35 turn-0 snapshots);
  about 4-5 s inside the JVM (~10,000 turns/s), ~5.5 s wall for the plain command line,
  ~11 s with ``-recordXML`` (93 MB of XML, ~1.3 s to stream-parse).

Errors are :class:`RobocodeError` with a one-line message (Java or the jar missing, javac
failing, Robocode exiting non-zero, timing out, not finding a robot, a scripted robot
failing or skipping a turn).
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from sim.io.atomic import write_atomic
from sim.io.scenario import (BULLET_DTYPE, COMMAND_FIELDS, TRACE_DTYPE, Scenario, sort_bullets, sort_trace)

JAR_ENV = "GFSIM_ROBOCODE_JAR"
ROBOTS_ENV = "GFSIM_ROBOCODE_ROBOTS"
DEFAULT_JAR = Path("/usr/share/java/robocode.jar")
DEFAULT_ROBOTS = Path("/usr/share/games/robocode/robots")
HARNESS_DIR = Path(__file__).resolve().parents[2] / "tests" / "robocode"
ROBOCODE_VERSION = "1.9.3.9"

#: Robocode's "CPU constant": the time a robot gets per turn before Robocode counts a skipped
#: turn (ns); Robocode's own 5-second benchmark measures ~2.4 ms on this machine. A larger limit
#: never slows a battle (robots that answer quickly end the wait early) and keeps runs
#: deterministic on a busy machine, but Robocode's round start has a lost-wakeup race that can
#: make it wait 300 x this constant (at most 10 s) for a robot, so battles of sample robots use
#: a moderate value and scripted scenarios (whose robot avoids the race) a generous one.
CPU_CONSTANT_NS = 10_000_000
SCENARIO_CPU_CONSTANT_NS = 50_000_000

JVM_FLAGS = (
    "-Xmx512M",
    "--add-opens", "java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/java.util=ALL-UNNAMED",
    "--add-opens", "java.base/java.net=ALL-UNNAMED",
    "--add-opens", "java.base/java.io=ALL-UNNAMED",
    "--add-opens", "java.desktop/sun.awt=ALL-UNNAMED",
    "-Djava.awt.headless=true",
    "-DNOSECURITY=true",
)

SCENARIO_BOT = "gfsim.ScenarioBot*"   # '*': Robocode's mark for robots without a packaged version


class RobocodeError(RuntimeError):
    """Real Robocode could not be run or misbehaved; the message is one line."""


# ----------------------------------------------------------------------------- locating things

def java_executable(tool: str = "java") -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        p = Path(home) / "bin" / tool
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return shutil.which(tool)


def robocode_jar() -> Path:
    return Path(os.environ.get(JAR_ENV) or DEFAULT_JAR)


def sample_robots_dir() -> Path:
    return Path(os.environ.get(ROBOTS_ENV) or DEFAULT_ROBOTS)


def sample_robots_jar(folder: str | os.PathLike, robots: Iterable[str], version: str = "1.0") -> Path:
    """Package installed sample robots (``["Walls", "SpinBot"]``) as a third-party jar would be, in `folder`
    (``samples-<version>.jar``, robot.version set): Robocode then names them ``sample.Walls 1.0``. For tests
    and demos of ``--robots-dir`` without third-party code."""
    import zipfile
    src = sample_robots_dir() / "sample"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jar = folder / f"samples-{version}.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        for name in robots:
            z.write(src / f"{name}.class", f"sample/{name}.class")
            z.writestr(f"sample/{name}.properties",
                       (src / f"{name}.properties").read_text() + f"robot.version={version}\n")
    return jar


def robocode_available() -> bool:
    """True when a java executable and the Robocode jar are present."""
    return java_executable() is not None and robocode_jar().is_file()


def _require_robocode() -> tuple[str, Path]:
    java = java_executable()
    if java is None:
        raise RobocodeError("java not found: install a JDK (Debian: openjdk-17-jdk) or set JAVA_HOME")
    jar = robocode_jar()
    if not jar.is_file():
        raise RobocodeError(f"Robocode jar not found at {jar}: install Debian's robocode package or set {JAR_ENV}")
    return java, jar


# ----------------------------------------------------------------------------- the Java harness

def _harness_sources() -> list[Path]:
    return sorted((HARNESS_DIR / "gfsim").glob("*.java"))


HARNESS_ROOT_ENV = "GFSIM_CACHE_DIR"


def private_cache_root() -> Path:
    """This user's private cache folder (``$GFSIM_CACHE_DIR``, else ``$TMPDIR/gfsim-<uid>``), created
    0700; RobocodeError unless it is a real folder (not a symlink) owned by us that nobody else can
    write or read. Compiled classes are only ever run from here."""
    env = os.environ.get(HARNESS_ROOT_ENV)
    root = Path(env) if env else Path(tempfile.gettempdir()) / f"gfsim-{os.getuid()}"
    try:
        root.mkdir(mode=0o700, parents=bool(env), exist_ok=True)
    except OSError as e:
        raise RobocodeError(f"cannot create the cache folder {root} ({e.strerror or e})") from None
    _check_private(root)
    return root


def _check_private(path: Path) -> None:
    st = os.lstat(path)
    import stat
    if not stat.S_ISDIR(st.st_mode):
        raise RobocodeError(f"refusing the cache folder {path}: not a real folder (a symlink or a file)")
    if st.st_uid != os.getuid():
        raise RobocodeError(f"refusing the cache folder {path}: owned by uid {st.st_uid}, not by you "
                            f"(uid {os.getuid()}); someone else may have planted it")
    if st.st_mode & 0o077:
        raise RobocodeError(f"refusing the cache folder {path}: permissions {stat.S_IMODE(st.st_mode):o}, "
                            f"expected 700 (chmod 700 it or remove it)")


def _class_manifest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` except the manifest itself, by relative path."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(folder))] = "symlink"
        elif p.is_file() and p.name != "ok":
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _harness_ok(cache: Path) -> bool:
    """The cached build is ours, private and unchanged since it was built (its manifest matches)."""
    import json
    try:
        _check_private(cache)
        want = json.loads((cache / "ok").read_text())
    except (OSError, ValueError, RobocodeError):
        return False
    return isinstance(want, dict) and want == _class_manifest(cache)


def harness_classes() -> Path:
    """Compile tests/robocode/gfsim/*.java once (cached by source hash) in this user's private cache
    folder; returns the build folder, which holds ``robots/gfsim/ScenarioBot*.class`` and
    ``runner/gfsim/BattleRunner*.class``. A cached build is used only if the folder is ours, mode
    0700, and every file matches the sha256 manifest written when it was built; otherwise it is
    rebuilt."""
    import json
    java, jar = _require_robocode()
    sources = _harness_sources()
    if not sources:
        raise RobocodeError(f"no Java harness sources under {HARNESS_DIR / 'gfsim'}")
    h = hashlib.sha256()
    for src in sources:
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    h.update(str(jar).encode())
    root = private_cache_root()
    cache = root / f"robocode-harness-{h.hexdigest()[:16]}"
    if _harness_ok(cache):
        return cache
    javac = java_executable("javac")
    if javac is None:
        raise RobocodeError("javac not found: the Robocode harness needs a JDK (Debian: openjdk-17-jdk)")
    tmp = Path(tempfile.mkdtemp(prefix=cache.name + ".", dir=root))
    try:
        out = tmp / "all"
        out.mkdir()
        proc = subprocess.run([javac, "-nowarn", "-encoding", "UTF-8", "-d", str(out), "-cp", str(jar),
                               *map(str, sources)], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            first = next((ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()), "no output")
            raise RobocodeError(f"javac failed on the Robocode harness: {first.strip()}")
        for sub, prefix in (("robots", "ScenarioBot"), ("runner", "BattleRunner")):
            d = tmp / sub / "gfsim"
            d.mkdir(parents=True)
            for cls in (out / "gfsim").glob(prefix + "*.class"):
                shutil.copy2(cls, d / cls.name)
        (tmp / "ok").write_text(json.dumps(_class_manifest(tmp), sort_keys=True))
        if os.path.lexists(cache):      # a stale, damaged or foreign build: replace it
            if cache.is_dir() and not cache.is_symlink():
                shutil.rmtree(cache, ignore_errors=True)
            else:
                cache.unlink()
        try:
            os.replace(tmp, cache)
        except OSError:
            if not _harness_ok(cache):   # lost a race against a broken copy: retry once
                shutil.rmtree(cache, ignore_errors=True)
                os.replace(tmp, cache)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if not _harness_ok(cache):
        raise RobocodeError(f"the Robocode harness build in {cache} does not verify")
    return cache


# ----------------------------------------------------------------------------- working directory

def _fmt_pos(v: float) -> str:
    # Robocode's initialPositions parser keeps only [0-9.]: no sign, no exponent.
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"initial position value must be finite and >= 0, got {v!r}")
    return np.format_float_positional(float(v), unique=True, trim="-")


def initial_positions_string(positions: Iterable[Sequence[float] | None]) -> str:
    """``robocode.battle.initialPositions`` for [(x, y, heading_degrees) | None, ...];
    headings are written modulo 360 (the parser drops minus signs), None = random start."""
    parts = []
    for p in positions:
        if p is None:
            parts.append("(?,?,?)")
            continue
        x, y, h = (float(v) for v in p)
        parts.append(f"({_fmt_pos(x)},{_fmt_pos(y)},{_fmt_pos(h % 360.0)})")
    return ",".join(parts)


def write_battle_file(path: Path, robots: Sequence[str], rounds: int, width: int, height: int,
                      gun_cooling_rate: float, inactivity_time: int, initial_positions: str | None) -> None:
    lines = [
        "#gfsim battle",
        f"robocode.battleField.width={int(width)}",
        f"robocode.battleField.height={int(height)}",
        f"robocode.battle.numRounds={int(rounds)}",
        f"robocode.battle.gunCoolingRate={float(gun_cooling_rate)!r}",
        f"robocode.battle.rules.inactivityTime={int(inactivity_time)}",
        "robocode.battle.hideEnemyNames=true",
        f"robocode.battle.selectedRobots={','.join(robots)}",
    ]
    if initial_positions:
        lines.append(f"robocode.battle.initialPositions={initial_positions}")
    write_atomic(path, "\n".join(lines) + "\n")




def _copy_robots(src: Path, dst: Path) -> None:
    """A robots folder's jars and class folders into a working directory's robots/ (Robocode's own
    robot.database and .data folders are left out: Robocode rebuilds them)."""
    if not src.is_dir():
        raise RobocodeError(f"robots folder {src} does not exist")
    for entry in sorted(src.iterdir()):
        if entry.name.startswith(".") or entry.name == "robot.database":
            continue
        if entry.is_dir():
            shutil.copytree(entry, dst / entry.name, dirs_exist_ok=True)
        elif entry.suffix in (".jar", ".zip"):
            shutil.copy2(entry, dst / entry.name)


def _jars_provide(folder: Path, prefix: str) -> bool:
    """Does a jar in `folder` hold entries under `prefix` (e.g. the sample robots packaged as a jar)?"""
    import zipfile
    for jar in folder.glob("*.jar"):
        try:
            with zipfile.ZipFile(jar) as z:
                if any(n.startswith(prefix) for n in z.namelist()):
                    return True
        except (zipfile.BadZipFile, OSError):
            continue
    return False


class _WorkDir:
    """A private Robocode working directory; removed on exit unless ``keep`` is a path."""

    def __init__(self, with_harness: bool, keep: str | os.PathLike | None = None,
                 cpu_constant_ns: int = CPU_CONSTANT_NS, robots_dir: str | os.PathLike | None = None):
        self.with_harness = with_harness
        self.robots_dir = None if robots_dir is None else Path(robots_dir)
        self.cpu_constant_ns = int(cpu_constant_ns)
        self.keep = keep
        self.path: Path | None = None
        self.harness: Path | None = None

    def __enter__(self) -> "_WorkDir":
        if self.with_harness:
            self.harness = harness_classes()
        if self.keep is not None:
            self.path = Path(self.keep)
            if self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
        else:
            self.path = Path(tempfile.mkdtemp(prefix="gfsim-robocode-"))
        d = self.path
        for sub in ("robots", "battles", "config", "tmp"):
            (d / sub).mkdir()
        if self.robots_dir is not None:
            _copy_robots(self.robots_dir, d / "robots")
        samples = sample_robots_dir() / "sample"
        if samples.is_dir() and not (d / "robots" / "sample").exists() and not _jars_provide(d / "robots", "sample/"):
            shutil.copytree(samples, d / "robots" / "sample",
                            ignore=shutil.ignore_patterns("*.java", "*.html"))
        if self.harness is not None:
            shutil.copytree(self.harness / "robots" / "gfsim", d / "robots" / "gfsim")
        (d / "config" / "robocode.properties").write_text(
            "#gfsim\n"
            "robocode.options.battle.desiredTPS=10000\n"
            f"robocode.version.lastrun={ROBOCODE_VERSION}\n"
            f"robocode.cpu.constant={self.cpu_constant_ns}\n"
            "robocode.options.common.enableReplayRecording=false\n")
        return self

    def __exit__(self, *exc) -> None:
        if self.keep is None and self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


def _run_java(args: list[str], cwd: Path, timeout: float, what: str) -> tuple[str, str, float]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    except OSError as e:
        raise RobocodeError(f"cannot start java ({args[0]}): {e.strerror or e}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise RobocodeError(f"Robocode timed out after {timeout:.0f} s running {what}") from None
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RobocodeError(f"Robocode exited with status {proc.returncode} running {what}: "
                            f"{_last_error_line(err + out)}")
    return out, err, wall


def _last_error_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith(("\tat ", "at "))]
    for ln in reversed(lines):
        if any(w in ln for w in ("Error", "Exception", "error", "cannot", "Can't")) and "jarFileURL" not in ln:
            return ln[:300]
    return lines[-1][:300] if lines else "no output"


def _warnings(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if "still has not started" in ln or "skipped turn" in ln]


def _check_robots_found(text: str) -> None:
    m = re.search(r"Can't find '([^']*)'", text)
    if m:
        raise RobocodeError(f"Robocode cannot find robot {m.group(1)!r} (not installed in the working directory)")


# ----------------------------------------------------------------------------- results

@dataclass(frozen=True)
class ResultRow:
    """One line of Robocode's results table (values rounded to integers, as Robocode prints them)."""
    name: str
    rank: int
    total: float
    survival: float
    surv_bonus: float
    bullet_dmg: float
    bullet_bonus: float
    ram_dmg: float      # the "Ram Dmg * 2" column
    ram_bonus: float
    firsts: int
    seconds: int
    thirds: int


def parse_results(text: str) -> list[ResultRow]:
    """Parse the file written by ``-results``."""
    rows = []
    for ln in text.splitlines():
        m = re.match(r"^(\d+)(?:st|nd|rd|th): (.*)$", ln)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("\t") if c.strip() != ""]
        if len(cells) < 11:
            raise RobocodeError(f"unexpected results line: {ln.strip()!r}")
        total = cells[1].split(" ")[0]
        nums = [float(total)] + [float(c) for c in cells[2:8]]
        rows.append(ResultRow(cells[0], int(m.group(1)), *nums, int(cells[8]), int(cells[9]), int(cells[10])))
    if not rows:
        raise RobocodeError("Robocode wrote no results")
    return rows


@dataclass
class RealBattle:
    robots: tuple[str, ...]
    rounds: int
    seed: int
    results: list[ResultRow]
    wall_seconds: float                       # java start to exit, as seen from Python
    turns_per_round: list[int] | None = None  # turns of each round (turn 0 not counted)
    total_turns: int | None = None
    battle_seconds: float | None = None       # the battle alone, timed inside the JVM (control-API runner)
    startup_seconds: float | None = None      # wall_seconds - battle_seconds (JVM + Robocode start-up, exit)
    repeat_battle_seconds: list[float] = field(default_factory=list)  # every run when repeat > 1
    repeat_identical: bool | None = None      # all repeats gave the same turns and results
    robot_rows: np.ndarray | None = None      # trace (sim.io.scenario.TRACE_DTYPE) when recorded
    bullet_rows: np.ndarray | None = None     # trace (sim.io.scenario.BULLET_DTYPE) when recorded
    exact_scores: dict[str, dict[str, float]] | None = None  # full-precision totals from the record
    runner: str = "cli"
    warnings: list[str] = field(default_factory=list)  # e.g. Robocode's round-start race (see CPU_CONSTANT_NS)

    @property
    def turns_per_second(self) -> float | None:
        """Total turns over the battle's own time (in-JVM when known, else wall time)."""
        if not self.total_turns:
            return None
        t = self.battle_seconds if self.battle_seconds else self.wall_seconds
        return self.total_turns / t


def _jvm_args(java: str, jar: Path, workdir: Path, seed: int, extra: Sequence[str] = (),
              classpath: Sequence[Path] = ()) -> list[str]:
    cp = os.pathsep.join([str(jar), *map(str, classpath)])
    return [java, *JVM_FLAGS, f"-DRANDOMSEED={int(seed)}", f"-DWORKINGDIRECTORY={workdir}",
            f"-Djava.io.tmpdir={workdir / 'tmp'}", *extra, "-cp", cp]


def run_real_battle(robots: list[str], rounds: int = 35, seed: int = 0, width: int = 800, height: int = 600,
                    gun_cooling_rate: float = 0.1, inactivity_time: int = 450,
                    initial_positions: Sequence[Sequence[float] | None] | str | None = None,
                    record_xml: bool = False, *, timeout: float | None = None, runner: str | None = None,
                    repeat: int = 1, keep_dir: str | os.PathLike | None = None,
                    robots_dir: str | os.PathLike | None = None) -> RealBattle:
    """Run a headless battle between installed robots (e.g. ["sample.Walls", "sample.SpinBot"]).

    ``record_xml=True`` uses the command line with ``-recordXML`` and fills ``turns_per_round``,
    ``robot_rows``/``bullet_rows`` (the whole battle as a trace) and ``exact_scores``.
    Otherwise ``runner`` picks "api" (default: the control-API runner, which counts turns and
    times the battle inside the JVM; ``repeat`` reruns it in the same JVM) or "cli" (the plain
    docs/architecture.md command line: results and wall time only, no turn counts).
    ``initial_positions``: [(x, y, heading_degrees) or None, ...] or Robocode's own string.
    ``robots_dir``: a robots folder (jars, class folders) whose robots join the installed samples (a jar
    or folder there that provides the ``sample`` package replaces them).
    """
    java, jar = _require_robocode()
    if runner is None:
        runner = "cli" if record_xml else ("api" if java_executable("javac") else "cli")
    if runner not in ("cli", "api"):
        raise ValueError(f"runner must be 'cli' or 'api', got {runner!r}")
    if record_xml and runner != "cli":
        raise ValueError("record_xml needs runner='cli' (only the command line writes XML records)")
    if repeat < 1 or (repeat > 1 and runner != "api"):
        raise ValueError("repeat > 1 needs runner='api'")
    if not robots:
        raise ValueError("run_real_battle needs at least one robot")
    if timeout is None:
        timeout = 120.0 + rounds * repeat * (4.0 if record_xml else 1.5)
    pos = initial_positions if isinstance(initial_positions, str) or initial_positions is None \
        else initial_positions_string(initial_positions)
    what = f"{' vs '.join(robots)} ({rounds} rounds, seed {seed})"

    with _WorkDir(with_harness=(runner == "api"), keep=keep_dir, robots_dir=robots_dir) as wd:
        d = wd.path
        battle = d / "battles" / "gfsim.battle"
        write_battle_file(battle, robots, rounds, width, height, gun_cooling_rate, inactivity_time, pos)
        if runner == "api":
            args = _jvm_args(java, jar, d, seed, classpath=[wd.harness / "runner"])
            args += ["gfsim.BattleRunner", str(d), str(battle), str(int(repeat))]
            out, err, wall = _run_java(args, d, timeout, what)
            _check_robots_found(out + err)
            res = _parse_runner_output(out, robots, rounds, seed, wall)
            res.warnings = _warnings(out + err)
            return res

        results_file = d / "results.txt"
        record_file = d / "record.xml"
        args = _jvm_args(java, jar, d, seed) + ["robocode.Robocode", "-battle", str(battle), "-nodisplay",
                                                "-nosound", "-results", str(results_file)]
        if record_xml:
            args += ["-recordXML", str(record_file)]
        out, err, wall = _run_java(args, d, timeout, what)
        _check_robots_found(out + err)
        if not results_file.is_file():
            raise RobocodeError(f"Robocode wrote no results file running {what}: {_last_error_line(err + out)}")
        res = RealBattle(tuple(robots), rounds, seed, parse_results(results_file.read_text(errors="replace")),
                         wall, runner="cli", warnings=_warnings(out + err))
        if record_xml:
            if not record_file.is_file():
                raise RobocodeError(f"Robocode wrote no XML record running {what}")
            rec = parse_record(record_file)
            res.turns_per_round = rec.turns_per_round
            res.total_turns = sum(rec.turns_per_round)
            res.robot_rows, res.bullet_rows = rec.robot_rows, rec.bullet_rows
            res.exact_scores = rec.final_scores
        return res


def _parse_runner_output(out: str, robots, rounds: int, seed: int, wall: float) -> RealBattle:
    errors = [ln[len("GFSIM-ERROR "):] for ln in out.splitlines() if ln.startswith("GFSIM-ERROR")]
    if errors:
        raise RobocodeError(f"Robocode control-API runner: {errors[0][:300]}")
    per_run_rounds: dict[int, dict[int, int]] = {}
    per_run_results: dict[int, list[ResultRow]] = {}
    battle_ns: dict[int, int] = {}
    for ln in out.splitlines():
        p = ln.split()
        if ln.startswith("GFSIM-ROUND "):
            per_run_rounds.setdefault(int(p[1]), {})[int(p[2])] = int(p[3])
        elif ln.startswith("GFSIM-BATTLE "):
            battle_ns[int(p[1])] = int(p[3])
        elif ln.startswith("GFSIM-RESULT "):
            c = ln[len("GFSIM-RESULT "):].split("\t")
            run = int(c[0])
            nums = [float(v) for v in c[3:10]]
            per_run_results.setdefault(run, []).append(
                ResultRow(c[2], int(c[1]), *nums, int(c[10]), int(c[11]), int(c[12])))
    if not battle_ns or not per_run_results:
        raise RobocodeError("Robocode control-API runner printed no battle results")
    runs = sorted(battle_ns)
    last = runs[-1]
    turns = [per_run_rounds.get(last, {}).get(r, 0) for r in range(rounds)]
    secs = [battle_ns[r] / 1e9 for r in runs]
    identical = all(per_run_rounds.get(r) == per_run_rounds.get(last) and per_run_results.get(r) ==
                    per_run_results.get(last) for r in runs)
    return RealBattle(tuple(robots), rounds, seed, per_run_results[last], wall, turns_per_round=turns,
                      total_turns=sum(turns), battle_seconds=secs[-1], startup_seconds=wall - sum(secs),
                      repeat_battle_seconds=secs, repeat_identical=identical, runner="api")


# ----------------------------------------------------------------------------- XML records

@dataclass
class Record:
    """A parsed -recordXML file. Robot indices are Robocode's (battle order)."""
    robot_names: list[str]                  # battle order, as Robocode names them
    turns_per_round: list[int]              # turns played per round = last turn number (recordInfo - 1)
    robot_rows: np.ndarray                  # TRACE_DTYPE
    bullet_rows: np.ndarray                 # BULLET_DTYPE (see sim.io.scenario for which rows)
    outputs: dict[tuple[int, int], str]     # (round, robot) -> the robot's console text
    final_scores: dict[str, dict[str, float]] | None = None


_ROBOT_ATTRS = ("x", "y", "bodyHeading", "gunHeading", "radarHeading", "velocity", "energy", "gunHeat")
_SCORE_ATTRS = ("totalScore", "totalSurvivalScore", "totalLastSurvivorBonus", "totalBulletDamageScore",
                "totalBulletKillBonus", "totalRammingDamageScore", "totalRammingKillBonus", "totalFirsts",
                "totalSeconds", "totalThirds")
_HIT_STATES = ("HIT_VICTIM", "HIT_WALL", "HIT_BULLET")


def parse_record(path, max_turn: int | None = None, rounds: int | None = None) -> Record:
    """Stream-parse a ``-recordXML`` file into trace arrays (see sim.io.scenario for the format).

    ``max_turn`` keeps only turns 0..max_turn of each round; ``rounds`` stops after that many
    rounds (with max_turn this avoids reading the rest of a long record). Final scores are
    only filled when the whole record was read.
    """
    rrows: list[tuple] = []
    brows: list[tuple] = []
    outputs: dict[tuple[int, int], list[str]] = {}
    names: dict[int, str] = {}
    turns_per_round: list[int] = []
    cur_round = -1
    prev_gun: dict[int, float] = {}     # owner -> gun heading at the end of the previous turn
    cur_gun: dict[int, float] = {}
    bullet_ids: dict[tuple[int, str], int] = {}     # (owner, robocode id) -> canonical id, this round
    next_id: dict[int, int] = {}
    stopped: set[str] = set()
    bullet_heading: dict[str, float] = {}
    last_scores: dict[str, dict[str, float]] = {}
    complete = True
    is_last = False
    try:
        for _, el in ET.iterparse(str(path)):
            tag = el.tag
            if tag == "turns" and "value" in el.attrib:   # recordInfo/rounds/turns: snapshots incl. turn 0
                turns_per_round.append(int(el.get("value")) - 1)
                continue
            if tag != "turn":
                continue
            rnd = int(el.get("round"))
            turn = int(el.get("turn"))
            if rnd != cur_round:
                if rounds is not None and rnd >= rounds:
                    complete = False
                    break
                cur_round = rnd
                prev_gun, cur_gun = {}, {}
                bullet_ids, next_id, stopped, bullet_heading = {}, {}, set(), {}
            keep = max_turn is None or turn <= max_turn
            if not keep and max_turn is not None and rounds is not None and rnd == rounds - 1:
                complete = False
                break
            prev_gun = cur_gun
            cur_gun = {}
            is_last = (bool(turns_per_round) and rnd == len(turns_per_round) - 1
                       and turn == turns_per_round[-1])
            for r in el.iter("robot"):
                rid = int(r.get("id"))
                names.setdefault(rid, r.get("name"))
                a = r.attrib
                vals = [float(a[k]) for k in _ROBOT_ATTRS]
                cur_gun[rid] = vals[3]
                if keep:
                    rrows.append((rnd, turn, rid, *vals))
                o = a.get("out")
                if o:
                    outputs.setdefault((rnd, rid), []).append(o)
                if is_last:
                    sc = r.find("score")
                    if sc is not None:
                        last_scores[r.get("name")] = {k: float(sc.get(k, "nan")) for k in _SCORE_ATTRS}
            for b in el.iter("bullet"):
                a = b.attrib
                state = a.get("state")
                if state == "EXPLODED" or a.get("isExplosion") == "true":
                    continue
                rid_s = a["id"]
                if rid_s in stopped:
                    continue      # explosion animation frames after the hit turn
                owner = int(rid_s.split("-", 1)[0])
                key = (owner, rid_s)
                if key not in bullet_ids:
                    next_id[owner] = next_id.get(owner, 0) + 1
                    bullet_ids[key] = next_id[owner]
                    h = a.get("heading")
                    bullet_heading[rid_s] = float(h) if h is not None else prev_gun.get(owner, math.nan)
                if state in _HIT_STATES:
                    stopped.add(rid_s)
                if keep:
                    brows.append((rnd, turn, owner, bullet_ids[key], float(a["x"]), float(a["y"]),
                                  bullet_heading[rid_s], float(a["power"]), state))
            el.clear()
    except ET.ParseError as e:
        raise RobocodeError(f"cannot parse Robocode record {path}: {e}") from None
    robot_rows = sort_trace(np.array(rrows, dtype=TRACE_DTYPE)) if rrows else np.zeros(0, TRACE_DTYPE)
    bullet_rows = sort_bullets(np.array(brows, dtype=BULLET_DTYPE)) if brows else np.zeros(0, BULLET_DTYPE)
    return Record([names[i] for i in sorted(names)], turns_per_round, robot_rows, bullet_rows,
                  {k: "".join(v) for k, v in outputs.items()}, last_scores if complete and last_scores else None)


# ----------------------------------------------------------------------------- scenarios

def scenario_command_text(s: Scenario) -> str:
    """The command file ScenarioBot reads (see tests/robocode/gfsim/ScenarioBot.java)."""
    lines = ["gfsim-scenario 1", f"robots {s.n_robots}", f"turns {s.turns}"]
    for i in range(s.n_robots):
        for t in range(1, s.turns + 1):
            row = s.commands[i, t]
            for k, f in enumerate(COMMAND_FIELDS):
                v = row[k]
                if np.isnan(v):
                    continue
                if math.isinf(v):
                    txt = "Infinity" if v > 0 else "-Infinity"
                else:
                    txt = repr(float(v))
                lines.append(f"c {i} {t} {f} {txt}")
    return "\n".join(lines) + "\n"


def _scenario_robot_index(name: str, n: int) -> int:
    m = re.search(r"\((\d+)\)$", name)
    if m:
        return int(m.group(1)) - 1
    return 0 if n == 1 else -1


def run_real_scenario(scenario: Scenario, seed: int = 0, *, timeout: float | None = None,
                      keep_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Play a scenario in real Robocode; returns (robot_rows, bullet_rows) for turns 0..turns.

    Every robot is a ``gfsim.ScenarioBot``; Robocode names them "gfsim.ScenarioBot* (k)" and
    robot k-1 of the scenario is Robocode's robot k-1 (checked against the start positions).
    After its last turn each robot disables itself; the round then ends when the inactivity
    zap kills the disabled robots (about inactivity_time + 152 turns later), so keep
    inactivity_time moderate.
    """
    java, jar = _require_robocode()
    n = scenario.n_robots
    if timeout is None:
        timeout = 120.0 + scenario.rounds * (scenario.turns + scenario.inactivity_time + 300) / 200.0
    what = f"scenario {scenario.name}"
    with _WorkDir(with_harness=True, keep=keep_dir, cpu_constant_ns=SCENARIO_CPU_CONSTANT_NS) as wd:
        d = wd.path
        cmd_file = d / "scenario.txt"
        write_atomic(cmd_file, scenario_command_text(scenario))
        battle = d / "battles" / "gfsim.battle"
        pos = initial_positions_string([tuple(row) for row in scenario.start])
        write_battle_file(battle, [SCENARIO_BOT] * n, scenario.rounds, int(scenario.width), int(scenario.height),
                          scenario.gun_cooling_rate, scenario.inactivity_time, pos)
        record_file = d / "record.xml"
        args = _jvm_args(java, jar, d, seed, extra=[f"-Dgfsim.scenario={cmd_file}"])
        args += ["robocode.Robocode", "-battle", str(battle), "-nodisplay", "-nosound",
                 "-results", str(d / "results.txt"), "-recordXML", str(record_file)]
        out, err, _ = _run_java(args, d, timeout, what)
        _check_robots_found(out + err)
        if not record_file.is_file():
            raise RobocodeError(f"Robocode wrote no XML record running {what}: {_last_error_line(err + out)}")
        rec = parse_record(record_file, max_turn=scenario.turns, rounds=scenario.rounds)
    return _scenario_trace(scenario, rec)


def _scenario_trace(s: Scenario, rec: Record) -> tuple[np.ndarray, np.ndarray]:
    n = s.n_robots
    if len(rec.robot_names) != n:
        raise RobocodeError(f"scenario {s.name}: Robocode ran {len(rec.robot_names)} robots, expected {n}")
    mapping = np.full(n, -1, dtype=np.int64)
    for rid, nm in enumerate(rec.robot_names):
        k = _scenario_robot_index(nm, n)
        if not 0 <= k < n or mapping[k] >= 0:
            raise RobocodeError(f"scenario {s.name}: cannot map Robocode robot {nm!r} to a scenario robot")
        mapping[k] = rid
    inverse = np.empty(n, dtype=np.int64)
    inverse[mapping] = np.arange(n)
    for (rnd, rid), text in sorted(rec.outputs.items()):
        who = f"scenario {s.name} round {rnd} robot {inverse[rid]}"
        m = re.search(r"GFSIM-ERROR:? ?([^\n]*)", text)
        if m:
            raise RobocodeError(f"{who}: ScenarioBot failed: {m.group(1)[:200]}")
        m = re.search(r"skipped turn (\d+)", text)
        if m and int(m.group(1)) <= s.turns:
            raise RobocodeError(f"{who} skipped turn {m.group(1)} (machine too busy?); the run is not valid")
    for rnd in range(s.rounds):
        for rid in range(n):
            if "GFSIM-START" not in rec.outputs.get((rnd, rid), ""):
                raise RobocodeError(f"scenario {s.name} round {rnd}: robot {inverse[rid]} never started its script")

    robots = rec.robot_rows.copy()
    robots["robot"] = inverse[robots["robot"]]
    bullets = rec.bullet_rows.copy()
    if len(bullets):
        bullets["owner"] = inverse[bullets["owner"]]
    robots, bullets = sort_trace(robots), sort_bullets(bullets)

    start = robots[robots["turn"] == 0]
    for row in start:
        i = int(row["robot"])
        x, y, h = s.start[i]
        want_h = math.radians(float(h) % 360.0)
        if row["x"] != x or row["y"] != y or row["heading"] != want_h:
            raise RobocodeError(
                f"scenario {s.name} round {int(row['round'])}: robot {i} started at ({row['x']!r}, {row['y']!r}, "
                f"{row['heading']!r} rad), not at its scenario position (Robocode places a robot randomly "
                "when its start box overlaps another robot's box, including where it ended the previous round)")
    return robots, bullets
