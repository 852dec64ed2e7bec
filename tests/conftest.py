"""Shared fixtures and markers for gossamer's tests.

Markers (registered here because pyproject.toml belongs to the packaging owner):

* ``reference``: needs the real Alertmanager binary; skipped when missing.
* ``gossamer_node``: needs a runnable gossamer node (``python -m gossamer
  --version`` succeeds); skipped with the reason otherwise, so the
  differential suite is collected and useful before the node exists.

``--diff-against=reference`` runs every differential test with the reference
on both sides: a self-check that the suite's comparisons are stable.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from tests.harness import (
    GOSSAMER,
    KINDS,
    DiffPair,
    NodeProcess,
    PortAllocator,
    WebhookSink,
    launch,
    reference_binary,
    start_pair,
)
from tests.harness.node import REPO_ROOT, node_env

NODES = pytest.StashKey[list[NodeProcess]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --diff-against (which node kind the differential tests compare with the reference)."""
    parser.addoption(
        "--diff-against",
        choices=KINDS,
        default=GOSSAMER,
        help="node kind compared with the reference in test_diff_* (default: gossamer; "
        "'reference' self-checks the suite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register this suite's markers."""
    config.addinivalue_line("markers", "reference: needs the real Alertmanager binary")
    config.addinivalue_line("markers", "gossamer_node: needs a runnable `python -m gossamer` node")


def candidate_kind(config: pytest.Config) -> str:
    """The node kind compared with the reference (see --diff-against)."""
    return str(config.getoption("--diff-against"))


@functools.cache
def gossamer_unavailable_reason() -> str | None:
    """None when `python -m gossamer --version` succeeds, else why it does not (cached)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gossamer", "--version"],
            cwd=REPO_ROOT,
            env=node_env(),
            capture_output=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return "gossamer node not runnable: `python -m gossamer --version` timed out"
    if done.returncode == 0:
        return None
    last = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()[-1:]
    return f"gossamer node not runnable yet: `python -m gossamer --version` failed: {''.join(last)}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip tests whose node kinds are not available."""
    if item.get_closest_marker("reference") and reference_binary() is None:
        pytest.skip("reference Alertmanager (prometheus-alertmanager) is not installed")
    if item.get_closest_marker("gossamer_node") and candidate_kind(item.config) == GOSSAMER:
        reason = gossamer_unavailable_reason()
        if reason:
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the log tail of every node the test (or its module) started to a failing report."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed:
        nodes = [n for parent in item.listchain() for n in parent.stash.get(NODES, [])]
        for node in nodes:
            report.sections.append((f"log of {node!r} ({node.log_path})", node.log_tail()))


@pytest.fixture(scope="session")
def port_allocator() -> PortAllocator:
    """This worker's port range (20000 + 200 × xdist worker index)."""
    return PortAllocator.for_this_worker()


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A started webhook sink, closed after the test."""
    with WebhookSink() as sink:
        yield sink


NodeFactory = Callable[..., NodeProcess]


@pytest.fixture
def node_factory(
    request: pytest.FixtureRequest, tmp_path: Path, port_allocator: PortAllocator
) -> Iterator[NodeFactory]:
    """`make(kind, config_text, clustered=False, extra_flags=())` -> a ready node, stopped after the test."""
    started = request.node.stash.setdefault(NODES, [])
    count = 0

    def make(
        kind: str, config_text: str, clustered: bool = False, extra_flags: Iterable[str] = ()
    ) -> NodeProcess:
        nonlocal count
        count += 1
        workdir = tmp_path / f"{kind}-{count}"
        node = launch(kind, config_text, workdir, port_allocator, clustered, extra_flags)
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()


PairFactory = Callable[..., DiffPair]


def _pairs(
    request: pytest.FixtureRequest, workdir: Path, ports: PortAllocator
) -> Iterator[PairFactory]:
    """Body of the pair fixtures: start pairs on demand, close them all at teardown."""
    started = request.node.stash.setdefault(NODES, [])
    pairs: list[DiffPair] = []

    def start(
        config_template: str, clustered: bool = False, extra_flags: Iterable[str] = ()
    ) -> DiffPair:
        pair = start_pair(
            config_template,
            workdir / f"pair-{len(pairs) + 1}",
            ports,
            candidate_kind(request.config),
            clustered,
            extra_flags,
        )
        pairs.append(pair)
        started.extend(side.node for side in pair.sides)
        return pair

    yield start
    for pair in pairs:
        pair.close()


@pytest.fixture
def diff_pair(
    request: pytest.FixtureRequest, tmp_path: Path, port_allocator: PortAllocator
) -> Iterator[PairFactory]:
    """`start(config_template, clustered=False, extra_flags=())` -> a DiffPair, closed after the test.

    The candidate side is gossamer, or the reference again with --diff-against=reference.
    """
    yield from _pairs(request, tmp_path, port_allocator)


@pytest.fixture(scope="module")
def module_diff_pair(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    port_allocator: PortAllocator,
) -> Iterator[PairFactory]:
    """Like `diff_pair`, but the pairs live until the end of the module (for read-only tests)."""
    yield from _pairs(request, tmp_path_factory.mktemp("module-pairs"), port_allocator)
