"""The launcher owns its children: one launcher per data folder, leftovers of a dead one stopped, and a
restart back-off that resets after a healthy run."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from services.launcher.ownership import LauncherRunning, sole_launcher, stop_leftovers
from services.launcher.supervisor import FIRST_BACKOFF_S, HEALTHY_RUN_S, MAX_BACKOFF_S, restart_delay


def test_backoff_doubles_while_crashing_and_resets_after_a_healthy_run():
    delays, delay = [], None
    for _ in range(7):
        delay = restart_delay(delay, ran_s=0.5)
        delays.append(delay)
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert MAX_BACKOFF_S == 30.0
    assert restart_delay(30.0, ran_s=HEALTHY_RUN_S) == FIRST_BACKOFF_S


def test_a_second_launcher_on_the_same_folder_is_refused(tmp_path):
    with sole_launcher(tmp_path):
        with pytest.raises(LauncherRunning, match=r"another launcher \(pid \d+\) is running"):
            with sole_launcher(tmp_path):
                pass
    with sole_launcher(tmp_path):  # released when its holder ends
        pass


def test_leftover_services_of_a_dead_launcher_are_stopped_and_nothing_else(tmp_path):
    service = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "services.writer"])
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    pids = tmp_path / "launcher.pids"
    pids.write_text(f"{service.pid}\n{stranger.pid}\n999999999\n")
    try:
        stop_leftovers(pids)
        assert service.wait(5) is not None
        assert psutil.pid_exists(stranger.pid) and stranger.poll() is None
        assert not pids.exists()
    finally:
        for proc in (service, stranger):
            proc.kill()
            proc.wait()
