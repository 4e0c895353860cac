"""Publishing outputs: staging folders of processes that died are swept, others are not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from lpa_analysis.files import staging_dir, sweep_staging


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_sweep_removes_only_dead_processes_folders_of_this_machine(tmp_path):
    final = tmp_path / "54"
    host = socket.gethostname()
    dead = tmp_path / f".54.{host}-{_dead_pid()}.k2j_x9"
    live = tmp_path / f".54.{host}-{os.getpid()}.a81bq0"
    elsewhere = tmp_path / f".54.other-node-{_dead_pid()}.zz91ab"
    other_output = tmp_path / f".540.{host}-{_dead_pid()}.q1w2e3"  # another province's
    unowned = tmp_path / ".54.old"
    for folder in (dead, live, elsewhere, other_output, unowned):
        (folder / "tables").mkdir(parents=True)

    sweep_staging(final)

    assert not dead.exists()
    assert all(p.is_dir() for p in (live, elsewhere, other_output, unowned))


def test_staging_dir_is_named_after_its_owner_and_sweeps_first(tmp_path):
    final = tmp_path / "2566" / "national"
    dead = final.parent / f".national.{socket.gethostname()}-{_dead_pid()}.r4t5y6"
    dead.mkdir(parents=True)

    folder = staging_dir(final)

    assert folder.is_dir() and folder.parent == final.parent
    assert folder.name.startswith(f".national.{socket.gethostname()}-{os.getpid()}.")
    assert not dead.exists()
    sweep_staging(final)  # its owner (this process) is alive: kept
    assert folder.is_dir()
