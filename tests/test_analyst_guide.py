"""The analyst guide's Python snippets run as written, from a folder that is not the project
(issue 18): each ```python block of docs/analyst-guide.md in a fresh process, in a temporary
working directory, with LPA_PROCESSED pointing at a built small demo."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "analyst-guide.md"
BLOCK = re.compile(r"^[ \t]*```python\n(.*?)^[ \t]*```", re.S | re.M)


def snippets() -> list[str]:
    blocks = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    # blocks inside a list item are indented: run them as written, less the indent
    return [re.sub(r"^[ \t]{2}", "", b, flags=re.M) if b.startswith("  ") else b
            for b in blocks]


def test_the_guide_has_the_six_questions():
    text = "\n".join(snippets())
    for call in ("explore.movers(", "explore.workbook(", "explore.lao(", "explore.districts(",
                 "explore.trend(", "explore.plot_trend("):
        assert call in text, call


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(snippets())))
def test_snippet_runs_from_another_folder(index, small_processed, tmp_path):
    env = {**os.environ, "LPA_PROCESSED": str(small_processed), "MPLBACKEND": "Agg"}
    env.pop("LPA_PROCESSED_DIR", None)
    done = subprocess.run([sys.executable, "-c", snippets()[index]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"snippet {index}:\n{snippets()[index]}\n{done.stderr}"
