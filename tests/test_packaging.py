"""pyproject.toml ships every data file the code reads: a `pip install .` (not editable) holds each model under
bots/models and each scenario and data file under sim/, or the parts that load them fail for an installed user."""
import fnmatch
import os
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_shipped_data_file_is_in_the_package_data():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        package_data = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    checked = 0
    for package, folder in (("bots", "models"), ("sim", "data"), ("sim", "scenarios")):
        base = os.path.join(ROOT, package)
        for name in os.listdir(os.path.join(base, folder)):
            rel = f"{folder}/{name}"
            if os.path.isfile(os.path.join(base, rel)) and not name.startswith("."):
                assert any(fnmatch.fnmatch(rel, g) for g in package_data.get(package, [])), \
                    f"{package}/{rel} is not in pyproject.toml's package-data"
                checked += 1
    assert checked > 10
