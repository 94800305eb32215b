"""The Dockerfile and the root filesystem's build stay one recipe: every RUN line is a step of
deploy/image/recipe.sh and build-rootfs.sh runs the same steps on the same Debian suite, the build sees
only what .dockerignore lets through (which build-rootfs.sh copies), and the last stage is in the form
run-rootfs.sh reads (one ENV a line, a numeric USER, a plain-word CMD naming a service)."""

from __future__ import annotations

import json
import re

from tests.paths import REPO

IMAGE = REPO / "deploy" / "image"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n\s*", " ", (REPO / "Dockerfile").read_text())
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0], line.split(None, 1)[1]) for line in lines]


def last_stage() -> list[tuple[str, str]]:
    steps = instructions()
    start = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[start:]


def test_every_run_line_is_a_recipe_step_and_the_rootfs_build_runs_the_same_ones():
    defined = set(re.findall(r"^    ([a-z]+)\) ", (IMAGE / "recipe.sh").read_text(), re.MULTILINE))
    calls = set()
    for op, arg in instructions():
        if op == "RUN":
            command = re.sub(r"--mount=\S+|PIP_CACHE_DIR=\S+", "", arg)
            for part in command.split("&&"):
                call = re.fullmatch(r"\s*sh /run/recipe\.sh ([a-z]+.*?)\s*", part)
                assert call, f"not a step of recipe.sh: {part}"
                calls.add(call.group(1))
    assert {call.split()[0] for call in calls} == defined
    rootfs = (IMAGE / "build-rootfs.sh").read_text()
    assert calls == set(re.findall(r"sh /run/recipe\.sh ([a-z]+[^\n\"']*?)\s*$", rootfs, re.MULTILINE))


def test_the_rootfs_is_built_on_the_debian_suite_the_image_starts_from():
    base = next(arg for op, arg in instructions() if op == "ARG" and arg.startswith("BASE="))
    suite = re.search(r"^suite=(\w+)$", (IMAGE / "build-rootfs.sh").read_text(), re.MULTILINE).group(1)
    assert base == f"BASE=debian:{suite}-slim"
    assert [arg.split()[0] for op, arg in instructions() if op == "FROM"] == ["${BASE}", "${BASE}"]


def test_the_build_sees_only_the_allowed_paths_and_they_exist():
    patterns = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert patterns[0] == "*"
    allowed = [p[1:] for p in patterns if p.startswith("!")]
    assert all((REPO / path).exists() for path in allowed), allowed
    sources = re.findall(r"source=([^,\s]+)", (REPO / "Dockerfile").read_text())
    sources += [arg.split()[0] for op, arg in instructions() if op == "COPY" and "--from" not in arg]
    assert all(s == "." or any(s == a or s.startswith(f"{a}/") for a in allowed) for s in sources), sources


def test_the_last_stage_runs_a_service_as_uid_10001_with_its_writable_places_under_tmp():
    stage = last_stage()
    env = dict(arg.split("=", 1) for op, arg in stage if op == "ENV")
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S+", arg) for op, arg in stage if op == "ENV")
    assert env["HOME"] == env["TMPDIR"] == "/tmp"
    assert all(env[f"XDG_{kind}_HOME"].startswith("/tmp/") for kind in ("CACHE", "CONFIG", "DATA", "STATE"))
    assert env["XDG_RUNTIME_DIR"].startswith("/tmp/")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert [arg for op, arg in stage if op == "USER"] == ["10001:10001"]
    (cmd,) = [json.loads(arg) for op, arg in stage if op == "CMD"]
    assert cmd[:2] == ["python", "-m"] and len(cmd) == 3
    assert (REPO / cmd[2].replace(".", "/") / "__main__.py").is_file()
