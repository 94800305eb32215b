"""Every path ARCHITECTURE.md and README.md name exists in the repository, so the map never points to a
file that moved. A path is a name in backticks that starts at the repository's top level (`shared/…`,
`pyproject.toml`) or a bare file name (`client.py`, which must exist somewhere); lake keys (`candles/`),
URLs, patterns (`<ALTNAME>.csv`) and run-time paths (`./data`) are not the repository's."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.paths import REPO

DOCS = ("ARCHITECTURE.md", "README.md")
EXTENSIONS = {"py", "md", "sql", "js", "html", "css", "toml", "yaml", "yml", "json", "csv", "cfg", "txt"}
NOT_A_PATH = re.compile(r"[<>…*={}\s]|://|^\.?/")
NOT_THE_PROJECT = {"data", "build", "dist", "__pycache__"}  # made by running or packaging it


@cache
def top_level() -> frozenset[str]:
    return frozenset(p.name for p in REPO.iterdir() if not p.name.startswith(".")
                     and p.name not in NOT_THE_PROJECT and not p.name.endswith(".egg-info"))


@cache
def file_names() -> frozenset[str]:
    names = set()
    for top in top_level():
        path = REPO / top
        names |= {p.name for p in path.rglob("*") if "__pycache__" not in p.parts} if path.is_dir() else {top}
    return frozenset(names)


def named_paths(markdown: str) -> list[str]:
    prose = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)  # diagrams and shell examples
    paths = []
    for token in re.findall(r"`([^`\n]+)`", prose):
        if NOT_A_PATH.search(token):
            continue
        if "/" in token:
            if token.split("/")[0] in top_level():
                paths.append(token)
        elif token.rsplit(".", 1)[-1] in EXTENSIONS and "." in token:
            paths.append(token)
    return paths


def missing(markdown: str) -> list[str]:
    return [p for p in named_paths(markdown) if not ((REPO / p).exists() if "/" in p else p in file_names())]


@pytest.mark.parametrize("doc", DOCS)
def test_every_path_a_doc_names_exists(doc):
    text = (REPO / doc).read_text()
    assert len(named_paths(text)) >= 10, named_paths(text)
    assert missing(text) == []


def test_a_path_that_is_not_there_is_found():
    text = ("See `shared/jobs/` and `services/writer/merge.py`, not `services/writer/merger.py`, `shared/nowhere/`"
            " or `nowhere.py`; `candles/` is the lake's, `jobs.fetch` a subject, `<ALTNAME>.csv` a pattern.\n"
            "```\nservices/gone.py\n```\n`pyproject.toml`, `consume.py`")
    assert named_paths(text) == ["shared/jobs/", "services/writer/merge.py", "services/writer/merger.py",
                                 "shared/nowhere/", "nowhere.py", "pyproject.toml", "consume.py"]
    assert missing(text) == ["services/writer/merger.py", "shared/nowhere/", "nowhere.py"]


def test_architecture_points_at_real_code_for_every_part():
    text = (REPO / "ARCHITECTURE.md").read_text()
    named = set(named_paths(text))
    assert {f"services/{s}/" for s in ("api", "fetcher", "rebuilder", "writer", "coverage")} <= named
    assert {f"shared/{p}/" for p in ("service", "planning", "jobs", "kraken", "ledger", "lake", "platform")} <= named
    assert Path(REPO / "README.md").read_text().count("ARCHITECTURE.md") >= 1
