"""One place that writes docs/learning.md: each benchmark owns a section between markers.

``write_section(path, name, markdown)`` replaces the text between
``<!-- BEGIN name -->`` and ``<!-- END name -->`` (appending the section if it
is new) and writes the file atomically, so two scripts never overwrite each
other's results and a failed run leaves the old page intact.
"""
import os

from sim.io.atomic import write_atomic

HEADER = """# Learning: the BeepBoop loss, measured

Each section names the benchmark script that writes it (rerun it to refresh the numbers); the notes are
hand-written from the measurements they cite.
The loss itself is documented in `learning/loss.py`, training in `gfsim train --help`.
"""


def write_section(path, name, markdown):
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else HEADER
    block = f"{begin}\n{markdown.strip()}\n{end}"
    if begin in text and end in text:
        pre, rest = text.split(begin, 1)
        post = rest.split(end, 1)[1]
        text = pre + block + post
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    write_atomic(path, text)
