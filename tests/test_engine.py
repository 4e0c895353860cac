"""The in-process papermill engine records what a kernel would: streams, displays, results,
the failing cell; and every notebook starts from an empty namespace."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from lpa_analysis import engine


def _run(tmp_path, *sources: str, parameters: dict | None = None):
    cells = [new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
             *(new_code_cell(s) for s in sources)]
    src = tmp_path / "in.ipynb"
    nbformat.write(new_notebook(cells=cells), src)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(src), str(out), parameters=parameters or {}, engine_name=engine.NAME,
                        kernel_name="python3", language="python", progress_bar=False)
    return nbformat.read(out, as_version=4)


def test_outputs_in_order_with_parameters_applied(tmp_path):
    nb = _run(tmp_path,
              "import sys\nprint('a'); print('w', file=sys.stderr)\n"
              "from IPython.display import Markdown, display\ndisplay(Markdown('**ท**'))\nx * 10",
              parameters={"x": 4})
    code = [c for c in nb.cells if c.cell_type == "code"][-1]
    kinds = [(o.output_type, o.get("name")) for o in code.outputs]
    assert kinds == [("stream", "stdout"), ("stream", "stderr"), ("display_data", None),
                     ("execute_result", None)]
    assert code.outputs[2].data["text/markdown"] == "**ท**"
    assert code.outputs[3].data["text/plain"] == "40"
    nbformat.validate(nb)


def test_chart_is_an_image_with_alt_text(tmp_path):
    nb = _run(tmp_path, "from lpa_analysis.plots import new_figure\n"
                        "f = new_figure(); ax = f.subplots(); ax.set_ylabel('คะแนน'); f")
    images = [o for o in nb.cells[-1].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1 and images[0].metadata["image/png"]["alt"] == "คะแนน"


def test_failing_cell_stops_the_notebook_and_is_reported(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as raised:
        _run(tmp_path, "y = 2", "1 / 0", "z = 3")
    assert raised.value.ename == "ZeroDivisionError"
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = {c.source: c for c in nb.cells if c.cell_type == "code"}
    assert [o.output_type for o in code["1 / 0"].outputs] == ["error"]
    assert code["1 / 0"].execution_count == raised.value.exec_count
    assert code["z = 3"].outputs == [] and code["z = 3"].execution_count is None  # never ran


def test_each_notebook_starts_from_an_empty_namespace(tmp_path):
    _run(tmp_path, "leftover = 'from the last notebook'")
    nb = _run(tmp_path, "print('leftover' in globals())")
    assert nb.cells[-1].outputs[0].text.strip() == "False"
