"""The config corpus: ``tests/configs/{good,bad,deliberate}/*.yml`` against gossamer and amtool.

* good: gossamer and amtool 0.25 accept them;
* bad: both reject them; the second line ``# error: <text>`` is a substring of
  gossamer's message (Alertmanager's own message wherever practical);
* deliberate: the first line says ``# deliberate: gossamer accepts|rejects, ...``;
  amtool does the opposite (see ``gossamer/config/__init__.py``).

The ``reference`` tests run the real ``amtool check-config`` and, for good
files, compare ``Config.to_yaml()`` with a real Alertmanager's
``/api/v2/status`` ``config.original``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gossamer.config import load_config_file, parse_config
from gossamer.errors import ConfigError

CORPUS = Path(__file__).parent / "configs"
GOOD = sorted((CORPUS / "good").glob("*.yml"))
BAD = sorted((CORPUS / "bad").glob("*.yml"))
DELIBERATE = sorted((CORPUS / "deliberate").glob("*.yml"))
# Good files the live binary cannot start with (it reads these TLS/CA files).
NEEDS_FILES = {"http_config.yml"}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _expected_error(path: Path) -> str:
    match = re.search(r"^# error: (.*)$", path.read_text(), re.MULTILINE)
    assert match, f"{path.name} lacks a '# error: ...' line"
    return match.group(1)


def _gossamer_accepts_deliberate(path: Path) -> bool:
    first = path.read_text().splitlines()[0]
    match = re.match(r"# deliberate: gossamer (accepts|rejects)", first)
    assert match, f"{path.name} must start with '# deliberate: gossamer accepts|rejects'"
    return match.group(1) == "accepts"


def _gossamer_accepts(path: Path) -> bool:
    try:
        load_config_file(str(path))
    except ConfigError:
        return False
    return True


def test_corpus_is_large_enough() -> None:
    """The corpus covers every section with 60+ files and a few deliberate differences."""
    assert len(GOOD) + len(BAD) >= 60
    assert len(GOOD) >= 30 and len(BAD) >= 100 and len(DELIBERATE) >= 5


@pytest.mark.parametrize("path", GOOD, ids=_ids(GOOD))
def test_good_config_parses(path: Path) -> None:
    """Every good file loads and re-renders."""
    config = load_config_file(str(path))
    assert config.original_text == path.read_text()
    assert config.to_yaml().startswith("global:\n")


@pytest.mark.parametrize("path", BAD, ids=_ids(BAD))
def test_bad_config_is_rejected_with_its_message(path: Path) -> None:
    """Every bad file raises ConfigError naming the problem."""
    with pytest.raises(ConfigError) as info:
        load_config_file(str(path))
    assert _expected_error(path) in str(info.value)


@pytest.mark.parametrize("path", DELIBERATE, ids=_ids(DELIBERATE))
def test_deliberate_difference_is_as_documented(path: Path) -> None:
    """Deliberate files load or fail exactly as their header says."""
    assert _gossamer_accepts(path) == _gossamer_accepts_deliberate(path)


def test_parse_config_equals_load_config_file_for_text_without_paths() -> None:
    """parse_config on the text gives the same config as loading the file."""
    path = CORPUS / "good" / "route_tree.yml"
    assert parse_config(path.read_text(), str(path.parent)) == load_config_file(str(path))


# --- against the real binary -------------------------------------------------


def _amtool_accepts(path: Path) -> bool:
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool is not installed")
    done = subprocess.run(
        [amtool, "check-config", path.name], cwd=path.parent, capture_output=True, timeout=60
    )
    return done.returncode == 0


@pytest.mark.reference
@pytest.mark.parametrize("path", GOOD + BAD + DELIBERATE, ids=_ids(GOOD + BAD + DELIBERATE))
def test_corpus_classification_agrees_with_amtool(path: Path) -> None:
    """amtool accepts good files, rejects bad ones, and does the opposite of gossamer on deliberate ones."""
    kind = path.parent.name
    accepted = _amtool_accepts(path)
    if kind == "good":
        assert accepted
    elif kind == "bad":
        assert not accepted
    else:
        assert accepted != _gossamer_accepts_deliberate(path)


@pytest.mark.reference
@pytest.mark.parametrize(
    "path",
    [p for p in GOOD if p.name not in NEEDS_FILES],
    ids=_ids([p for p in GOOD if p.name not in NEEDS_FILES]),
)
def test_to_yaml_matches_the_reference_status_output(path: Path, node_factory) -> None:  # type: ignore[no-untyped-def]
    """config.original from a real Alertmanager equals Config.to_yaml() byte for byte."""
    text = path.read_text()
    for _ in range(3):  # another suite's process may grab the port between check and bind
        node = node_factory("reference", text)
        expected = node.get_json("/api/v2/status")["config"]["original"]
        if node.is_running():
            break
    assert parse_config(text, str(node.config_path.parent)).to_yaml() == expected
