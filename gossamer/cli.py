"""The ``gossamer`` command: parse Alertmanager's flags, start a node, serve until a signal.

Runs on the main thread, which owns the node's uvloop event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import socket
import sys
from collections.abc import Iterator

import uvicorn
import uvloop
from loguru import logger

from gossamer.api.app import Api
from gossamer.errors import ConfigError, GossamerError
from gossamer.flag_parser import FlagError, info_text, parse_flags
from gossamer.flags import Flags
from gossamer.logs import setup_logging
from gossamer.node import Node, route_prefix

#: Young-generation threshold of the cyclic garbage collector (CPython's default: 700).
#: A notification storm allocates millions of short-lived objects; collecting every 700
#: of them cost about a tenth of the node's CPU. Python 3.12 raised its own default too.
GC_YOUNG_THRESHOLD = 20_000

#: Flags that protect something: until gossamer implements them it refuses to start.
PROTECTIVE_FLAGS = {
    "web_config_file": "--web.config.file (TLS and authentication for the API)",
    "cluster_tls_config": "--cluster.tls-config (mutual TLS for gossip)",
}


def refuse_unimplemented(flags: Flags) -> None:
    """Never leave the API or gossip open when the operator asked to protect them."""
    for field, what in PROTECTIVE_FLAGS.items():
        if getattr(flags, field):
            raise ConfigError(
                f"{what} is not supported by gossamer yet; refusing to start unprotected"
            )
    if flags.web_systemd_socket:
        raise ConfigError("--web.systemd-socket is not supported by gossamer yet")


def bind_listeners(addresses: list[str]) -> list[socket.socket]:
    """Bind every ``--web.listen-address`` (``:9093`` means every interface)."""
    sockets = []
    for address in addresses:
        host, _, port = address.rpartition(":")
        host = host.strip("[]") or "0.0.0.0"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except (OSError, ValueError) as exc:
            sock.close()
            raise ConfigError(f"cannot listen on --web.listen-address={address}: {exc}") from exc
        sock.listen(2048)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling (the node handles signals) and without
    its 100 ms polling loop: it wakes once a second for the Date header, or at once
    when asked to exit, which keeps an idle node's CPU near zero."""

    exit_requested: asyncio.Event | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self) -> None:
        self.should_exit = True
        if self.exit_requested is not None:
            self.exit_requested.set()

    async def main_loop(self) -> None:
        self.exit_requested = asyncio.Event()
        ticks = 0
        while not await self.on_tick(ticks):  # a multiple of 10 refreshes the Date header
            ticks += 10
            try:
                await asyncio.wait_for(self.exit_requested.wait(), 1.0)
            except TimeoutError:
                pass


def tune_garbage_collector() -> None:
    """Runs once, after start-up: move the start-up objects (modules, config, parsed
    templates, route tree) out of the collector's view with ``gc.freeze`` so no later
    collection walks them again, and collect the young generation less often. Objects
    frozen here are still freed by reference counting; only cycles among them that a
    reload drops stay (once: later reloads are not frozen)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


async def serve(node: Node, sockets: list[socket.socket]) -> None:
    """Runs on the main loop: start the node, serve HTTP, stop on SIGTERM/SIGINT."""
    loop = asyncio.get_running_loop()
    node.start(loop)
    tune_garbage_collector()
    config = uvicorn.Config(
        Api(node, route_prefix(node.flags)), loop="none", http="httptools", lifespan="off",
        access_log=False, log_config=None, timeout_keep_alive=75, server_header=False,
    )  # fmt: skip
    server = _Server(config)

    def reload() -> None:
        asyncio.ensure_future(node.reload())

    def shutdown() -> None:
        logger.info("Received shutdown signal, exiting gracefully...")
        server.request_exit()

    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGTERM, shutdown)
    loop.add_signal_handler(signal.SIGINT, shutdown)
    addresses = ", ".join(node.flags.web_listen_address)
    logger.bind(address=addresses).info("Listening")
    try:
        await server.serve(sockets=sockets)
    finally:
        await asyncio.to_thread(node.stop)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        flags = parse_flags(args)
    except FlagError as exc:
        print(f"gossamer: error: {exc}, try --help", file=sys.stderr)
        return 1
    info = info_text(flags)
    if info is not None:
        print(info, end="")
        return 0
    setup_logging(flags.log_level, flags.log_format)
    try:
        refuse_unimplemented(flags)
        node = Node(flags)
        sockets = bind_listeners(flags.web_listen_address)
    except GossamerError as exc:
        logger.error("{}", exc)
        return 1
    try:
        uvloop.run(serve(node, sockets))
    except GossamerError as exc:
        logger.error("{}", exc)
        return 1
    return 0
