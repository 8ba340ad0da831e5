"""benchmarks/learning_doc.py: each benchmark rewrites only its own section of docs/learning.md."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
from learning_doc import HEADER, write_section  # noqa: E402


def test_sections_are_replaced_in_place_and_others_kept(tmp_path):
    p = tmp_path / "learning.md"
    write_section(p, "a", "first A")
    write_section(p, "b", "only B")
    text = p.read_text()
    assert text.startswith(HEADER) and text.index("first A") < text.index("only B")
    write_section(p, "a", "second A\nwith two lines")
    text = p.read_text()
    assert "first A" not in text and "second A\nwith two lines" in text and "only B" in text
    assert text.index("second A") < text.index("only B")          # replaced where it was
    assert text.count("<!-- BEGIN a -->") == 1 and text.count("<!-- END b -->") == 1
    assert [f.name for f in tmp_path.iterdir()] == ["learning.md"]  # no temporaries left
