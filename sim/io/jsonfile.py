"""Small JSON files users hand to gfsim (gun models, GF tables): bounded, strict, one-line errors."""
import json
import os


def no_constant(name):
    """`parse_constant` for json.loads: NaN and Infinity are not JSON, so a file holding them is refused."""
    raise ValueError(f"{name} is not allowed")


def read_json(path, max_bytes, what, error):
    """The parsed JSON of `path`; otherwise `error` (an exception class) with one line naming the file:
    missing, a directory, unreadable, over `max_bytes` (read no further), not UTF-8 JSON, or nested too
    deeply. `what` names what the file should be ("gun model")."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory") from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror or e})") from None
    if len(data) > max_bytes:
        raise error(f"{path}: larger than {max_bytes >> 20} MB, not a gfsim {what}")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=no_constant)
    except RecursionError:
        raise error(f"{path}: not a gfsim {what} (JSON nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise error(f"{path}: not a gfsim {what} (not valid JSON: {msg})") from None
