"""The guess-factor dataset file: schema, atomic chunked writing, checked loading.

A dataset is a zip archive readable by ``numpy.load`` (an ``.npz``; members are
stored uncompressed, so a column can be read in blocks) holding three tables as
one ``.npy`` member per column, ``<table>/<column>.npy``, and ``meta.npy``, a 0-d
unicode array with JSON metadata: the format name and schema version, the battle
rules, the bot specs with their parameters, one entry per battle (id, seed,
rounds, turns, rows and statistics) and the row count and dtype of every column.

Tables (full column lists in GUN_SCHEMA, ENEMY_SCHEMA, PARTS_SCHEMA below):

* ``gun`` -- one row per wave (sim/waves/tracking.py): battle id, seed, round, turn,
  shooter, target, real_bullet, hit, the precise intersection [gf_lo, gf_hi],
  gf_center, gf_fired (NaN for virtual waves), the MEA values and the features
  of sim/waves/features.py.
* ``enemy`` -- one row per enemy wave a robot detected from the other's energy
  drops (the surfer's view), with truth columns and gf_hit labels.
* ``parts`` -- the exact hit set of the (few) gun waves whose set is not one
  interval: (row of the gun table, gf_lo, gf_hi) per piece.

Writing is atomic (a temporary file in the target directory, fsynced, then
renamed over the target; nothing is left behind on failure) and deterministic
(the same data gives the same bytes). ``DatasetWriter`` keeps at most
``chunk_rows`` rows per table in memory, spilling columns to temporary files
that are copied into the archive at the end, so millions of waves fit in
bounded memory. ``load_dataset`` refuses anything that is not a complete,
intact file of this format with a DatasetError naming the problem;
``iter_chunks`` reads a table back in blocks of rows.
"""
import json
import os
import shutil
import zipfile

import numpy as np

from sim.io.atomic import atomic_output, temp_path_for, discard

from sim.waves.features import FEATURES, SCHEMA2_FEATURE_NAMES, SCHEMA3_FEATURE_NAMES

FORMAT = "gfsim-waves"
SCHEMA_VERSION = 3
# schema 2 = schema 3 without its feature columns SCHEMA3_FEATURE_NAMES (mirror_offset, stick_heading_ahead,
# stick_heading_reverse, did_hit, did_collide); schema 1 = schema 2 without path_gf, current_gf,
# linear_gf and circular_gf. Such files still load, with the newer columns NaN (Dataset.missing names them), and
# whoever needs one says to re-collect the file
READABLE_VERSIONS = (1, 2, 3)
ADDED_IN = {**{name: 2 for name in SCHEMA2_FEATURE_NAMES}, **{name: 3 for name in SCHEMA3_FEATURE_NAMES}}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_BLOCK = 1 << 20
DEFAULT_CHUNK_ROWS = 65536   # rows per table a writer keeps before spilling (~25 MB for the gun table)

_I8, _I16, _I32, _I64, _B, _F = "|i1", "<i2", "<i4", "<i8", "|b1", "<f8"

_FEATURE_COLUMNS = tuple((name, _F, f"{doc}; range {rng}") for name, doc, rng in FEATURES if name != "turn")
# (the feature "turn" is the tables' own integer column "turn")

GUN_SCHEMA = (
    ("battle", _I32, "battle id within the file (0, 1, ... in the order played)"),
    ("seed", _I64, "the battle's seed"),
    ("round", _I32, "round number (0-based)"),
    ("turn", _I32, "fire turn t: the wave left in turn t from the shooter's position at the end of t-1"),
    ("shooter", _I8, "robot index (0 = BOT_A) that fires the wave"),
    ("target", _I8, "robot index the wave is aimed at"),
    ("real_bullet", _B, "a real bullet rides the wave (fired this turn); else a virtual wave"),
    ("bullet_id", _I32, "the real bullet's id (1, 2, ... per robot and round), -1 for virtual waves"),
    ("hit", _B, "the real bullet hit the target"),
    ("collided", _B, "the real bullet was destroyed by another bullet"),
    ("exact", _B, "the target's hit box was known exactly on every turn the wave crossed it (false after a ram "
                  "the target caused: Robocode then leaves the box where the trace does not show it)"),
    ("status", _I8, "0 = the wave passed the whole box; 1 = the target died first; 2 = the round ended first"),
    ("n_parts", _I16, "pieces of the exact hit set (1 almost always; >1: see the parts table)"),
    ("center_turn", _I32, "turn in which the front reached the target's centre (-1 never)"),
    ("fire_x", _F, "wave source x (shooter at the end of turn t-1)"),
    ("fire_y", _F, "wave source y"),
    ("bearing", _F, "direct bearing from the source to the target at fire time (radians, Robocode angles)"),
    ("bullet_speed", _F, "bullet speed 20 - 3 * power (power clamped to [0.1, 3])"),
    ("mea", _F, "classic maximum escape angle asin(8 / speed), radians"),
    ("mea_pos", _F, "precise MEA (escape circle within the field) on the GF > 0 side, radians"),
    ("mea_neg", _F, "precise MEA on the GF < 0 side, radians"),
    ("gf_lo", _F, "precise intersection: lowest GF that would have hit (not clipped)"),
    ("gf_hi", _F, "precise intersection: highest GF that would have hit (not clipped)"),
    ("gf_center", _F, "GF of the target's centre in the turn the front reached it (NaN if it never did)"),
    ("gf_fired", _F, "GF of the real bullet's heading (NaN for virtual waves); hit <=> gf_fired in the hit set"),
) + _FEATURE_COLUMNS

ENEMY_SCHEMA = (
    ("battle", _I32, "battle id within the file"),
    ("seed", _I64, "the battle's seed"),
    ("round", _I32, "round number (0-based)"),
    ("turn", _I32, "estimated fire turn of the detected enemy wave"),
    ("surfer", _I8, "robot that detected the wave (the one it is aimed at)"),
    ("shooter", _I8, "robot that fired"),
    ("gap", _I32, "turns between the two scans that showed the energy drop"),
    ("detected_right", _B, "a real bullet was fired in exactly that turn with exactly that power"),
    ("true_turn", _I32, "fire turn of the enemy's real bullet between the two scans (-1 none)"),
    ("true_power", _F, "its power (NaN none)"),
    ("hit", _B, "an enemy bullet matched to this wave hit the surfer"),
    ("hit_bullet", _B, "an enemy bullet matched to this wave hit one of the surfer's bullets"),
    ("label_right", _B, "that bullet really belongs to this wave"),
    ("exact", _B, "the surfer's hit box was known exactly on every turn the wave crossed it"),
    ("status", _I8, "0 passed, 1 surfer died first, 2 round ended first"),
    ("n_parts", _I16, "pieces of the surfer's exact hit set (0 if the wave never reached it)"),
    ("source_x", _F, "estimated wave source x"),
    ("source_y", _F, "estimated wave source y"),
    ("bearing", _F, "bearing from the source to the surfer at fire time"),
    ("bullet_speed", _F, "bullet speed from the detected power"),
    ("mea", _F, "classic MEA"),
    ("mea_pos", _F, "precise MEA on the GF > 0 side"),
    ("mea_neg", _F, "precise MEA on the GF < 0 side"),
    ("gf_lo", _F, "lowest GF that would have hit the surfer (the surfer's own visit; NaN if never reached)"),
    ("gf_hi", _F, "highest GF that would have hit the surfer"),
    ("gf_center", _F, "GF of the surfer's centre when the front reached it"),
    ("gf_hit", _F, "GF of the enemy bullet that hit the surfer or its bullet (the surfing label), else NaN"),
) + _FEATURE_COLUMNS

PARTS_SCHEMA = (
    ("row", _I64, "row of the gun table"),
    ("gf_lo", _F, "lowest GF of the piece"),
    ("gf_hi", _F, "highest GF of the piece"),
)

SCHEMAS = {"gun": GUN_SCHEMA, "enemy": ENEMY_SCHEMA, "parts": PARTS_SCHEMA}
TABLES = tuple(SCHEMAS)


class DatasetError(ValueError):
    """A dataset file that cannot be used (message names the file and the problem)."""


def _schema_dtypes(table, version=SCHEMA_VERSION):
    return {name: np.dtype(dt) for name, dt, _ in SCHEMAS[table] if ADDED_IN.get(name, 1) <= version}


def missing_message(path, column, version):
    """The one-line error for a column an older file lacks."""
    return (f"{path}: column {column!r} is not in dataset schema {version} (added in schema {ADDED_IN[column]}): "
            f"re-collect the file with this gfsim (`gfsim collect`)")


def schema_dict():
    """The schema as plain data (table -> [(column, dtype, description)])."""
    return {t: [(n, np.dtype(d).str, doc) for n, d, doc in s] for t, s in SCHEMAS.items()}


# --------------------------------------------------------------------------- writing

def _npy_header(dtype, n):
    """The .npy header numpy writes for a 1-d array of `n` items of `dtype` (format 1.0)."""
    import io
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.lib.format.dtype_to_descr(dtype),
                                              "fortran_order": False, "shape": (int(n),)})
    return buf.getvalue()


def _zipinfo(name):
    zi = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    zi.compress_type = zipfile.ZIP_STORED
    zi.external_attr = 0o644 << 16
    return zi


class DatasetWriter:
    """Append tables battle by battle; ``close()`` writes the file atomically.

    ``chunk_rows``: rows per table kept in memory before spilling to temporary
    column files (None = keep everything in memory). The bytes written do not
    depend on it. Use as a context manager: an exception aborts and removes
    every temporary file, leaving any existing file at `path` untouched.
    """

    def __init__(self, path, meta=None, chunk_rows=None):
        self.path = os.fspath(path)
        d = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(d):
            raise DatasetError(f"{self.path}: directory {d} does not exist")
        self.dir = d
        self.meta = dict(meta or {})
        self.chunk_rows = chunk_rows if chunk_rows is None else max(1, int(chunk_rows))
        self.dtypes = {t: _schema_dtypes(t) for t in TABLES}
        self.buf = {t: {c: [] for c in self.dtypes[t]} for t in TABLES}
        self.buffered = {t: 0 for t in TABLES}
        self.rows = {t: 0 for t in TABLES}
        self.spill_dir = None
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        elif not self.closed:
            self.close()
        return False

    def append(self, table, columns):
        """Append rows to `table` (dict column -> 1-d array; every schema column, equal lengths)."""
        if self.closed:
            raise DatasetError(f"{self.path}: writer already closed")
        want = self.dtypes[table]
        missing = set(want) - set(columns)
        extra = set(columns) - set(want)
        if missing or extra:
            raise DatasetError(f"table {table}: missing columns {sorted(missing)}, unknown columns {sorted(extra)}")
        n = None
        for c, dt in want.items():
            a = np.asarray(columns[c])
            if a.ndim != 1:
                raise DatasetError(f"table {table}: column {c} is not one-dimensional")
            if n is None:
                n = len(a)
            elif len(a) != n:
                raise DatasetError(f"table {table}: column {c} has {len(a)} rows, expected {n}")
            if a.dtype != dt:
                if dt.kind == "i" and a.dtype.kind in "iub" and len(a):
                    info = np.iinfo(dt)
                    if a.min() < info.min or a.max() > info.max:
                        raise DatasetError(f"table {table}: column {c} does not fit {dt}")
                a = a.astype(dt)
            # a copy, never a view: a column sliced from a kernel's output (rows x capacity) would keep the
            # whole output alive until the next spill, so memory would grow with the rounds, not the rows
            self.buf[table][c].append(np.array(a, dtype=dt, order="C", copy=True))
        self.buffered[table] += n or 0
        self.rows[table] += n or 0
        if self.chunk_rows is not None and self.buffered[table] >= self.chunk_rows:
            self._spill(table)

    def _spill(self, table):
        if self.spill_dir is None:
            self.spill_dir = temp_path_for(self.path, "spill")
        for c in self.dtypes[table]:
            parts = self.buf[table][c]
            if not parts:
                continue
            with open(os.path.join(self.spill_dir, f"{table}.{c}"), "ab") as f:
                for a in parts:
                    f.write(a.tobytes())
            self.buf[table][c] = []
        self.buffered[table] = 0

    def abort(self):
        self.closed = True
        self.buf = None
        if self.spill_dir is not None:
            discard(self.spill_dir)
            self.spill_dir = None

    def close(self):
        """Write the archive (tables, then meta) to a temporary file and rename it over `path`."""
        if self.closed:
            return
        meta = dict(self.meta)
        meta["format"] = FORMAT
        meta["schema_version"] = SCHEMA_VERSION
        meta["tables"] = {t: {"rows": self.rows[t],
                              "columns": {c: dt.str for c, dt in self.dtypes[t].items()}} for t in TABLES}
        text = json.dumps(meta, sort_keys=True, allow_nan=True)
        try:
            with atomic_output(self.path) as raw:
                with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
                    for t in TABLES:
                        for c, dt in self.dtypes[t].items():
                            self._write_column(zf, t, c, dt)
                    m = np.array(text)
                    with zf.open(_zipinfo("meta.npy"), "w", force_zip64=True) as f:
                        np.lib.format.write_array(f, m, allow_pickle=False)
        except BaseException:
            self.abort()
            raise
        self.abort()   # frees buffers and spill files
        return meta

    def _write_column(self, zf, table, col, dt):
        n = self.rows[table]
        with zf.open(_zipinfo(f"{table}/{col}.npy"), "w", force_zip64=True) as f:
            f.write(_npy_header(dt, n))
            if self.spill_dir is not None:
                sp = os.path.join(self.spill_dir, f"{table}.{col}")
                if os.path.exists(sp):
                    with open(sp, "rb") as src:
                        shutil.copyfileobj(src, f, _BLOCK)
            for a in self.buf[table][col]:
                f.write(a.tobytes())


def empty_table(table):
    return {c: np.zeros(0, dtype=dt) for c, dt in _schema_dtypes(table).items()}


# --------------------------------------------------------------------------- reading

class Dataset:
    """A loaded dataset: ``meta`` (dict) and the tables ``gun``, ``enemy``, ``parts`` (dict column -> array)."""

    def __init__(self, path, meta, tables):
        self.path = path
        self.meta = meta
        self.tables = tables
        self.schema_version = meta.get("schema_version", SCHEMA_VERSION)
        # feature columns the file's schema does not have (NaN in the tables)
        self.missing = tuple(c for c, v in ADDED_IN.items() if v > self.schema_version)
        self.gun = tables["gun"]
        self.enemy = tables["enemy"]
        self.parts = tables["parts"]

    def __len__(self):
        return len(self.gun["turn"]) if "turn" in self.gun else 0

    def __repr__(self):
        return (f"Dataset({self.path!r}: {len(self)} gun waves, {self.meta['tables']['enemy']['rows']} enemy waves, "
                f"{len(self.meta.get('battles', []))} battles)")

    def features(self, table="gun"):
        """(rows, n_features) float64 matrix of the feature columns, in FEATURES order."""
        t = self.tables[table]
        return np.stack([t[name] for name, _, _ in FEATURES], axis=1)

    def hit_set_contains(self, row, gf, tol=1e-9):
        """Is `gf` in the exact hit set of gun row `row` (the hull [gf_lo, gf_hi] unless n_parts > 1)?"""
        if self.gun["n_parts"][row] <= 1:
            return self.gun["gf_lo"][row] - tol <= gf <= self.gun["gf_hi"][row] + tol
        sel = self.parts["row"] == row
        return bool(np.any((self.parts["gf_lo"][sel] - tol <= gf) & (gf <= self.parts["gf_hi"][sel] + tol)))


MAX_META_BYTES = 64 << 20


def _open_zip(path):
    """The archive, checked by sim.io.npyzip: members stored (never compressed), not encrypted."""
    from sim.io.npyzip import open_archive
    return open_archive(path, DatasetError, "dataset")


def _read_member(z, path, name, **checks):
    """Member `name` (with .npy) after its header was checked against `checks` (sim.io.npyzip)."""
    try:
        return z.get(name[:-4], **checks)
    except DatasetError:
        raise
    except KeyError:
        raise DatasetError(f"{path}: incomplete dataset, member {name} is missing") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise DatasetError(f"{path}: corrupt or truncated member {name} ({e})") from None


def read_meta(path):
    """The JSON metadata of a dataset file, checked for format and schema version."""
    path = os.fspath(path)
    with _open_zip(path) as zf:
        return _check_meta(zf, path)


def _check_meta(zf, path):
    names = set(zf.zf.namelist())
    if "meta.npy" not in names:
        raise DatasetError(f"{path}: not a gfsim dataset (no meta.npy member)")
    shape, dtype = zf.header("meta")
    if dtype.kind != "U" or shape != ():
        raise DatasetError(f"{path}: not a gfsim dataset (meta.npy is not a JSON string)")
    m = _read_member(zf, path, "meta.npy", shape=(), kinds="U", max_bytes=MAX_META_BYTES)
    try:
        meta = json.loads(str(m))
    except (ValueError, RecursionError):
        raise DatasetError(f"{path}: not a gfsim dataset (meta.npy is not valid JSON)") from None
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if fmt != FORMAT:
        raise DatasetError(f"{path}: not a gfsim dataset (format {fmt!r})")
    v = meta.get("schema_version")
    if v not in READABLE_VERSIONS or isinstance(v, bool):
        raise DatasetError(f"{path}: dataset schema version {v!r}, this gfsim reads versions "
                           f"{', '.join(map(str, READABLE_VERSIONS))}")
    tables = meta.get("tables")
    if not isinstance(tables, dict):
        raise DatasetError(f"{path}: corrupt metadata (no table list)")
    for t in TABLES:
        info = tables.get(t)
        want = {c: dt.str for c, dt in _schema_dtypes(t, v).items()}
        if not isinstance(info, dict) or info.get("columns") != want:
            raise DatasetError(f"{path}: table {t} does not match schema version {v}")
        if not isinstance(info.get("rows"), int) or info["rows"] < 0:
            raise DatasetError(f"{path}: corrupt metadata (row count of table {t})")
    expected = {"meta.npy"} | {f"{t}/{c}.npy" for t in TABLES for c in _schema_dtypes(t, v)}
    extra = names - expected
    if extra:
        raise DatasetError(f"{path}: unexpected members {sorted(extra)[:3]} (not written by gfsim)")
    return meta


def load_dataset(path, tables=TABLES):
    """Load and check a dataset file; raises DatasetError on anything but a complete, intact file."""
    path = os.fspath(path)
    with _open_zip(path) as zf:
        meta = _check_meta(zf, path)
        out = {}
        for t in TABLES:
            if t not in tables:
                out[t] = {}
                continue
            rows = meta["tables"][t]["rows"]
            cols = {}
            for c, dt in _schema_dtypes(t, meta["schema_version"]).items():
                name = f"{t}/{c}.npy"
                if name not in zf.zf.NameToInfo:
                    raise DatasetError(f"{path}: incomplete dataset, member {name} is missing")
                shape, dtype = zf.header(name[:-4])
                if dtype != dt or shape != (rows,):
                    raise DatasetError(f"{path}: member {name} has dtype {dtype} and shape {shape}, "
                                       f"expected {dt} and ({rows},)")
                cols[c] = _read_member(zf, path, name, shape=(rows,), dtype=dt)
            _check_values(path, t, cols)
            for c, dt in _schema_dtypes(t).items():
                if c not in cols:      # an older schema's file: the newer columns are NaN (Dataset.missing)
                    cols[c] = np.full(rows, np.nan, dtype=dt)
            out[t] = cols
    return Dataset(path, meta, out)


# value ranges a loaded table must respect (the rest: no infinities, |value| <= MAX_ABS_VALUE)
_INT_RANGES = {"battle": (0, 2 ** 31 - 1), "round": (0, 10 ** 6), "turn": (0, 10 ** 9), "shooter": (0, 1),
               "target": (0, 1), "surfer": (0, 1), "status": (0, 2), "n_parts": (0, 10 ** 6),
               "row": (0, 2 ** 62)}
MAX_ABS_VALUE = 1e9


def _check_values(path, table, cols):
    """Refuse impossible values (negative turns, robot -128, infinite or absurd numbers) where they have
    a meaning; NaN stays allowed where the schema says "NaN if ...", and is caught by the users of
    columns that must be finite (e.g. gfsim train's features)."""
    for c, a in cols.items():
        if not len(a):
            continue
        if c in _INT_RANGES and a.dtype.kind in "iu":
            lo, hi = _INT_RANGES[c]
            if int(a.min()) < lo or int(a.max()) > hi:
                raise DatasetError(f"{path}: table {table}: column {c} has values outside {lo}..{hi}")
        elif a.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                if np.any(np.abs(a) > MAX_ABS_VALUE):
                    raise DatasetError(f"{path}: table {table}: column {c} has infinite or absurd values "
                                       f"(|value| > {MAX_ABS_VALUE:g})")
    if table == "gun" and "bullet_speed" in cols and len(cols["bullet_speed"]):
        v = cols["bullet_speed"]
        # power is clamped to [0.1, 3] and to the shooter's energy, so a last shot can be weaker than 0.1
        if not np.all((v >= 11.0 - 1e-9) & (v < 20.0)):
            raise DatasetError(f"{path}: table gun: bullet_speed outside [11, 20) (power in (0, 3])")


def iter_chunks(path, table="gun", rows=65536, columns=None):
    """Yield the table in blocks of up to `rows` rows (dict column -> array), reading each block from disk."""
    path = os.fspath(path)
    with _open_zip(path) as zf:
        meta = _check_meta(zf, path)
        total = meta["tables"][table]["rows"]
        dts = _schema_dtypes(table, meta["schema_version"])
        cols = list(columns or dts)
        for c in cols:
            if c in ADDED_IN and c not in dts:
                raise DatasetError(missing_message(path, c, meta["schema_version"]))
            if c not in dts:
                raise DatasetError(f"table {table} has no column {c!r}")
        files = {}
        try:
            for c in cols:
                f = zf.zf.open(f"{table}/{c}.npy")
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                if dtype != dts[c] or shape != (total,) or fortran:
                    raise DatasetError(f"{path}: member {table}/{c}.npy does not match its schema")
                files[c] = f
            done = 0
            while done < total:
                k = min(rows, total - done)
                block = {}
                for c in cols:
                    dt = dts[c]
                    data = files[c].read(k * dt.itemsize)
                    if len(data) != k * dt.itemsize:
                        raise DatasetError(f"{path}: truncated member {table}/{c}.npy")
                    block[c] = np.frombuffer(data, dtype=dt).copy()
                done += k
                yield block
            for c in cols:
                if files[c].read(1):
                    raise DatasetError(f"{path}: member {table}/{c}.npy has trailing data")
        except DatasetError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
            raise DatasetError(f"{path}: corrupt or truncated ({e})") from None
        finally:
            for f in files.values():
                f.close()


# --------------------------------------------------------------------------- from battles

class BattleWaves:
    """The dataset rows of one battle, taken a few rounds at a time: tables(trace) turns the trace of some
    whole rounds (a BattleResult or a sim.engine.battle.TraceChunk) into rows, carrying what the wave
    tables carry from round to round (sim.waves.tracking.WaveCarry); entry() is the battle's meta entry.
    `first_powers`: each robot's first bullet power in the whole battle (tracking.first_powers, NaN: never
    fires), which its virtual waves before that bullet take."""

    def __init__(self, battle_id, seed, specs, first_powers, virtual_power=2.0, rounds=0):
        from sim.waves import tracking as W
        self.battle_id, self.seed, self.specs, self.rounds = int(battle_id), int(seed), specs, int(rounds)
        self.carry = W.WaveCarry(first_powers, virtual_power)
        self.gun_rows = self.enemy_rows = self.parts_rows = 0
        self.gun_stats = np.zeros((2, 4))
        self.detection = np.zeros((2, len(W.DETECTION_STATS)))
        self.scans = np.zeros(2, dtype=np.int64)

    def tables(self, trace):
        """{table: columns} of the rounds `trace` holds (parts' rows count from the battle's first gun row)."""
        from sim.waves import tracking as W
        w = W.battle_waves(trace, specs=self.specs, carry=self.carry)
        g = w["gun"]["columns"]
        e = w["enemy"]["columns"]
        n_g = len(g["turn"])
        n_e = len(e["turn"])
        gun = {c: g[c] for c, _, _ in GUN_SCHEMA if c in g}
        gun["battle"] = np.full(n_g, self.battle_id)
        gun["seed"] = np.full(n_g, self.seed)
        enemy = {c: e[c] for c, _, _ in ENEMY_SCHEMA if c in e}
        enemy["battle"] = np.full(n_e, self.battle_id)
        enemy["seed"] = np.full(n_e, self.seed)
        p = w["gun"]["parts"]
        parts = {"row": p[:, 0].astype(np.int64) + self.gun_rows, "gf_lo": p[:, 1].copy(), "gf_hi": p[:, 2].copy()}
        self.gun_rows += n_g
        self.enemy_rows += n_e
        self.parts_rows += len(p)
        self.gun_stats += w["gun"]["stats"]
        self.detection += w["enemy"]["stats"]
        self.scans += w["enemy"]["scans"]
        return {"gun": gun, "enemy": enemy, "parts": parts}

    def entry(self, turns):
        from sim.waves import tracking as W
        gs, ds = self.gun_stats, self.detection
        return {
            "battle": self.battle_id, "seed": self.seed, "rounds": self.rounds,
            "turns": int(turns), "gun_rows": self.gun_rows, "enemy_rows": self.enemy_rows,
            "parts_rows": self.parts_rows,
            "waves": [{"made": int(gs[s, 0]), "dropped": int(gs[s, 1]), "real": int(gs[s, 2]),
                       "real_dropped": int(gs[s, 3])} for s in range(2)],
            "detection": [{k: int(ds[s, q]) for q, k in enumerate(W.DETECTION_STATS)} for s in range(2)],
            "scans": [int(v) for v in self.scans],
        }


def battle_tables(result, battle_id, specs=None, virtual_power=2.0):
    """(tables, battle meta entry) for one recorded battle, in the dataset schema."""
    from sim.waves import tracking as W
    bw = BattleWaves(battle_id, result.seed, specs, W.first_powers(result), virtual_power, result.rules.rounds)
    tables = bw.tables(result)
    return tables, bw.entry(result.total_turns)


def base_meta(rules, specs, virtual_power=2.0):
    """Metadata common to every battle of a file: rules, bots (with their parameters), conventions."""
    from bots.registry import parse_bot
    bots = []
    for sp in specs:
        b = sp if not isinstance(sp, str) else parse_bot(sp)
        bots.append({"spec": b.name, "advanced": bool(b.advanced),
                     "parts": {cat: {"component": name, "params": {k: v if isinstance(v, str) else float(v) for k, v in vals.items()}}
                               for cat, (name, vals) in b.parts.items()}})
    try:
        from importlib.metadata import version
        ver = version("gfsim")
    except Exception:   # not installed as a distribution
        ver = "unknown"
    return {
        "gfsim_version": ver,
        "rules": rules.as_dict(),
        "bots": bots,
        "virtual_power": float(virtual_power),
        "conventions": "GF = offset * lateral direction / asin(8/v_b), not clipped; waves fired in turn t leave "
                       "from the shooter's position at the end of t-1 (see sim/waves/gf.py, docs/features.md)",
        "battles": [],
    }


def write_battle_dataset(result, path, specs=None, battle_id=0, virtual_power=2.0):
    """Write one recorded battle (run_battle(..., record=True)) as a dataset file at `path`, atomically.

    `specs` are the two bot specs (strings or BotSpec); by default they are read back from the result's
    names. Returns the file's metadata (dict).
    """
    from sim.waves import tracking as W
    if result.robots_trace is None:
        raise DatasetError("the battle was not recorded: play it with run_battle(..., record=True)")
    specs = list(specs) if specs is not None else W.bot_specs(result)
    meta = base_meta(result.rules, specs, virtual_power)
    tables, entry = battle_tables(result, battle_id, specs=specs, virtual_power=virtual_power)
    meta["battles"].append(entry)
    with DatasetWriter(path, meta) as wr:
        for t in TABLES:
            wr.append(t, tables[t])
        return wr.close()
