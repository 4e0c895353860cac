"""`lpa lab` for real: the JupyterLab server it starts, the trend notebook run in it through a
browser, and the ipywidgets dropdowns redrawing their charts. Needs the [lab] extra
(jupyterlab, ipywidgets) and Debian chromium; skips cleanly without them (`make test` installs
only [dev], as the reports never need JupyterLab)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("jupyterlab")
pytest.importorskip("ipywidgets")
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow

SERVER_START_S = 120
RUN_ALL_S = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def lab_url(small_demo, small_processed):
    """`lpa lab` started as a user would, stopped (with its kernels) afterwards. It serves the
    project's own notebooks, which JupyterLab may save (kernel metadata, on its autosave
    timer): they are put back as they were."""
    from lpa_analysis.package_data import NOTEBOOKS as NOTEBOOK_DIR

    stored = {path: path.read_bytes() for path in NOTEBOOK_DIR.glob("*.ipynb")}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("lpa")), "lab", "--no-browser",
         "--port", str(_free_port()), "--data", str(small_demo),
         "--processed", str(small_processed)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        url, deadline, seen = None, time.monotonic() + SERVER_START_S, []
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            seen.append(line)
            url = url or (re.search(r"JupyterLab: (\S+)", line) or [None, None])[1]
            if url and "is running at" in line:
                yield url
                return
        pytest.fail("JupyterLab did not start:\n" + "".join(seen[-20:]))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        for path, content in stored.items():
            if path.read_bytes() != content:
                path.write_bytes(content)


def _prompts(page) -> list[str]:
    return page.eval_on_selector_all(".jp-CodeCell .jp-InputPrompt",
                                     "cells => cells.map(c => c.textContent.trim())")


def _run_all(page) -> None:
    """Run ▸ Run All Cells, again if the kernel was not ready to take it (no cell started)."""
    for _ in range(3):
        page.click("div.lm-MenuBar-itemLabel:text-is('Run')")
        page.click("li.lm-Menu-item:has-text('Run All Cells')")
        try:
            page.wait_for_function("[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                                   ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))",
                                   timeout=20_000)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail("JupyterLab never started running the cells")


def _chart_of(select) -> str:
    return select.evaluate("s => s.closest('.widget-vbox').querySelector('img')?.src ?? ''")


def test_trend_notebook_runs_in_lab_and_dropdowns_redraw(lab_url, tmp_path):
    from lpa_analysis.render import CHROMIUM_ARGS, chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium to drive JupyterLab with (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(),
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(lab_url)
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=SERVER_START_S * 1000)
        page.wait_for_function("document.querySelector('.jp-Notebook-ExecutionIndicator')"
                               "?.dataset.status === 'idle'", timeout=SERVER_START_S * 1000)
        _run_all(page)
        deadline = time.monotonic() + RUN_ALL_S
        while not all(re.fullmatch(r"\[\d+\]:", p) for p in _prompts(page)):
            if time.monotonic() > deadline:
                page.screenshot(path=tmp_path / "lab.png")
                pytest.fail(f"cells still not run after {RUN_ALL_S} s: {_prompts(page)}; "
                            f"the page: {tmp_path / 'lab.png'}")
            time.sleep(1)

        errors = page.eval_on_selector_all(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
            "outputs => outputs.map(o => o.innerText)")
        assert errors == []
        assert page.locator(".jp-OutputArea-output img").count() >= 8  # every chart drawn
        dropdowns = page.query_selector_all(".widget-dropdown select")
        assert len(dropdowns) == 2  # the province and the LAO type
        for dropdown in dropdowns:
            before = _chart_of(dropdown)
            last = dropdown.evaluate("s => s.options.length - 1")
            dropdown.select_option(index=0 if dropdown.evaluate("s => s.selectedIndex") else last)
            page.wait_for_function("([s, old]) => s.closest('.widget-vbox')"
                                   ".querySelector('img')?.src !== old",
                                   arg=[dropdown, before], timeout=60_000)
        browser.close()
