"""A papermill engine that runs a notebook's cells in this process's IPython shell.

Report workers run ~40 notebooks each. Through a Jupyter kernel every notebook paid for a
namespace reset and a fresh client (~0.4 s), for every output crossing ZMQ as JSON (~0.5 s
for a report's charts and tables) and for a second process holding its own copy of the
year's data (~0.7 GB per worker). Here the worker process is the kernel: the same IPython
machinery (display formatters, `display()`, `_ipython_display_`, tracebacks) records its
outputs straight into the notebook, and papermill still parameterises, tracks cells and
raises `PapermillExecutionError` for the failing cell.

Each notebook starts from an empty namespace (as `%reset -f`) and its namespace is emptied
again when it ends, so its frames do not outlive it; imported modules stay loaded, which is
the point. A notebook that kills the process (a crash, not an exception) takes its
worker with it: the batch runner retries the other jobs in a fresh worker.

    import papermill as pm
    from lpa_analysis import engine
    pm.execute_notebook(src, out, parameters=..., engine_name=engine.NAME)
"""

from __future__ import annotations

import base64
import contextlib
import threading

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, papermill_engines
from traitlets import Type

from lpa_analysis.processed import release_arrow_memory

NAME = "lpa-inprocess"


def _jsonable(data: dict) -> dict:
    """A MIME bundle as nbformat stores it: binary formats (PNG) as base64 text."""
    return {mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
            for mime, value in data.items()}


class _Outputs:
    """The outputs of the cell being run, in the order they were made."""

    def __init__(self) -> None:
        self.items: list[nbformat.NotebookNode] = []

    def stream(self, name: str, text: str) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.items.append(nbformat.v4.new_output("stream", name=name, text=text))

    def add(self, output_type: str, **fields) -> None:
        self.items.append(nbformat.v4.new_output(output_type, **fields))


class _Stream:
    """sys.stdout / sys.stderr while a cell runs."""

    encoding = "utf-8"

    def __init__(self, outputs: _Outputs, name: str) -> None:
        self.outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        if text:
            self.outputs.stream(self.name, text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Publisher(DisplayPublisher):
    """display() → a display_data output of the current cell."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                **kwargs) -> None:
        self.shell.outputs.add("display_data", data=_jsonable(data), metadata=metadata or {})

    def clear_output(self, wait=False) -> None:
        self.shell.outputs.items.clear()


class _ResultHook(DisplayHook):
    """A cell's last bare expression → an execute_result output (not 'Out[n]:' on stdout)."""

    def start_displayhook(self) -> None:
        self._bundle = None

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self._bundle = (format_dict, md_dict or {})

    def flush(self) -> None:
        pass  # no output cache to clear (cache_size 0); IPython's would also run a full gc

    def finish_displayhook(self) -> None:
        if self._bundle is not None:
            data, metadata = self._bundle
            self.shell.outputs.add("execute_result", data=_jsonable(data), metadata=metadata,
                                   execution_count=self.shell.cell_number)
        self._bundle = None


class _Shell(InteractiveShell):
    """IPython's shell with outputs recorded into notebook cells instead of printed."""

    outputs: _Outputs
    cell_number: int = 0

    display_pub_class = Type(_Publisher)
    displayhook_class = Type(_ResultHook)

    def init_sys_modules(self) -> None:
        pass  # as an embedded shell: __main__ stays the process's own (spawn reads its spec)

    def enable_gui(self, gui=None) -> None:
        pass  # no event loop: figures are shown inline, as in a kernel

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.outputs.add("error", ename=getattr(etype, "__name__", str(etype)),
                         evalue=str(evalue), traceback=list(stb))

    def run_notebook_cell(self, source: str) -> tuple[list, bool]:
        """Run one cell; (its outputs, whether it raised)."""
        self.outputs = _Outputs()
        self.cell_number += 1
        with contextlib.redirect_stdout(_Stream(self.outputs, "stdout")), \
                contextlib.redirect_stderr(_Stream(self.outputs, "stderr")):
            result = self.run_cell(source, store_history=False)
        return self.outputs.items, not result.success


_lock = threading.Lock()  # one notebook at a time per process (a Dask worker has threads)


def shell() -> _Shell:
    """This process's shell, with inline matplotlib as in a kernel (created on first use)."""
    if not _Shell.initialized():
        _Shell.instance(cache_size=0).enable_matplotlib("inline")
    return _Shell.instance()


class InProcessEngine(Engine):
    """papermill engine: cells run in `shell()`, stopping at the first cell that raises (as
    nbclient does); papermill then reports that cell."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs) -> None:
        with _lock:
            sh = shell()
            sh.reset(new_session=False)
            sh.cell_number = 0
            for index, cell in enumerate(nb_man.nb.cells):
                if cell.cell_type != "code":
                    continue
                nb_man.cell_start(cell, index)
                try:
                    cell.outputs, failed = sh.run_notebook_cell(cell.source)
                    cell.execution_count = sh.cell_number
                    if failed:
                        nb_man.cell_exception(cell, index)
                        break
                finally:
                    nb_man.cell_complete(cell, index)
            # The notebook's frames go now, not when the next notebook starts.
            sh.reset(new_session=False)
            release_arrow_memory()


papermill_engines.register(NAME, InProcessEngine)
