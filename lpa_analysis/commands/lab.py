"""`lpa lab`: JupyterLab on the project's notebooks with every year of the data built."""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path

import typer

from lpa_analysis.commands.options import EXIT_UNUSABLE, app, claim_folder

INSTALL_HINT = "JupyterLab is not installed. Install the analyst extra:  pip install -e '.[lab]'"
START_NOTEBOOK = "explore_trends.ipynb"


def jupyterlab_installed() -> bool:
    return importlib.util.find_spec("jupyterlab") is not None


def lab_command(notebook_dir: Path, port: int, token: str, open_browser: bool) -> list[str]:
    """The server command: this Python (so notebooks import this lpa_analysis), this machine
    only, a fixed port (no silent move to another one, so the printed URL is right), our
    token. As root (a container's usual user) JupyterLab would refuse to start; with the
    server reachable from this machine only and behind the token, it is let run."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={notebook_dir}",
               "--ServerApp.ip=localhost", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.open_browser={open_browser}"]
    if os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    return command


def lab_url(port: int, token: str) -> str:
    return f"http://localhost:{port}/lab/tree/{START_NOTEBOOK}?token={token}"


@app.command()
def lab(
    data: Path = typer.Option(None, "--data",
                              help="Raw data folder (default: the project's data/demo, "
                                   "which `lpa demo` writes)."),
    processed: Path = typer.Option(None, "--processed",
                                   help="Processed tables (default: the project's "
                                        "data/processed); missing years are built first."),
    port: int = typer.Option(8888, "--port", help="Port of the JupyterLab server."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
) -> None:
    """Open JupyterLab on the project's notebooks, every year of the data built first.

    Builds the missing or out-of-date years, starts JupyterLab in notebooks/ and prints its
    URL (stop it with Ctrl-C). The notebooks read the processed tables from
    LPA_PROCESSED, which this command sets. Needs the \\[lab] extra.

    Examples:
      lpa lab
      lpa lab --port 8890 --no-browser
      lpa lab --data /srv/dla --processed /srv/dla/processed
    """
    if not jupyterlab_installed():  # before any data is touched
        typer.echo(f"lpa: error: {INSTALL_HINT}", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    from lpa_analysis.build import build_all, require_data
    from lpa_analysis.log import log
    from lpa_analysis.package_data import NOTEBOOKS

    notebooks = NOTEBOOKS.resolve()  # in a checkout: the project's notebooks/ folder
    # Installed from a wheel the notebooks sit in site-packages: data goes beside the user.
    project = notebooks.parent if (notebooks.parent / "pyproject.toml").is_file() else Path.cwd()
    data = require_data((data or project / "data" / "demo").resolve())
    processed = (processed or project / "data" / "processed").resolve()
    claim_folder(processed, "--processed", "processed")
    years = build_all(data, processed)
    log.info("years ready: %s (%s → %s)", ", ".join(map(str, years)), data, processed)
    token = secrets.token_hex(16)
    env = {**os.environ, "LPA_PROCESSED": str(processed)}  # explore.processed_folder reads it
    typer.echo(f"JupyterLab: {lab_url(port, token)}")
    try:
        done = subprocess.run(lab_command(notebooks, port, token, not no_browser), env=env,
                              check=False)
    except KeyboardInterrupt:
        return
    if done.returncode:
        raise typer.Exit(done.returncode)
