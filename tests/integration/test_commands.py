"""`make run` with no settings at all, and `make demo`, as a user runs them (in a fresh folder)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from services.launcher.embedded import free_port

UNSET = ("DATABASE_URL", "NATS_URL", "STORAGE_URL", "KRAKEN_API_URL", "API_PORT")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    # Free metrics ports: other runs on this machine may hold the defaults.
    return env | {"METRICS_PORT": "0"} | extra


def test_run_with_no_settings_answers_healthz_within_60s(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "services"], cwd=tmp_path, env=clean_env(API_PORT=str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    began = time.monotonic()
    try:
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() - began < 60, "no answer on /healthz within 60 s"
                time.sleep(0.5)
        assert (tmp_path / "data" / "postgres").is_dir() and (tmp_path / "data" / "nats").is_dir()
    finally:
        proc.send_signal(signal.SIGINT)  # one Ctrl-C stops all of it
        code = proc.wait(60)
    assert code == 0


def test_demo_prints_a_summary_with_rows(tmp_path):
    done = subprocess.run([sys.executable, "-m", "services.demo"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=240)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    rows = re.search(r"rows:\s+(\d+)", out)
    assert rows and int(rows.group(1)) > 0, out[-3000:]
    assert "job.completed" in out and ".parquet" in out
