"""The connection pool of one ``HTTPClient``: aiohttp's ``TCPConnector``, dialling cheaply.

aiohttp dials every new connection through ``aiohappyeyeballs``: a bare socket,
``loop.sock_connect``, then ``loop.create_connection(sock=...)``. On uvloop that
path costs about 60 µs more CPU per connection than ``loop.create_connection``
with the address itself (a poll handle is set up and torn down around the
connect, then the socket is wrapped again), and a storm of 1,000 groups
flushing at once opens 1,000 connections. Happy eyeballs only matters when a
host has several addresses, so ``Connector`` dials a single address directly
and leaves everything else to aiohttp. The failures raised are aiohttp's own
(``ClientConnectorError`` and its certificate and SSL variants), so
``http_errors`` words them as before. Runs on the client's asyncio loop.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, cast

import aiohttp
from aiohappyeyeballs import AddrInfoType
from aiohttp.client_proto import ResponseHandler
from aiohttp.helpers import ceil_timeout

__all__ = ["Connector"]


class Connector(aiohttp.TCPConnector):
    """A ``TCPConnector`` that connects to a lone address with one
    ``loop.create_connection`` call.

    ``statistics()`` counts the dials made each way (tests assert on it, so an
    aiohttp upgrade that stops calling the hook is noticed).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._dials = {"direct": 0, "happy_eyeballs": 0}

    def statistics(self) -> dict[str, int]:
        """Connections dialled directly and through aiohttp's happy eyeballs."""
        return dict(self._dials)

    async def _wrap_create_connection(
        self,
        *args: Any,
        addr_infos: list[AddrInfoType],
        req: aiohttp.ClientRequest,
        timeout: aiohttp.ClientTimeout,
        client_error: type[Exception] = aiohttp.ClientConnectorError,
        **kwargs: Any,
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        """aiohttp's hook for one dial; mirrors its error translation."""
        if len(addr_infos) != 1 or self._local_addr_infos or self._socket_factory:
            self._dials["happy_eyeballs"] += 1
            return await super()._wrap_create_connection(
                *args,
                addr_infos=addr_infos,
                req=req,
                timeout=timeout,
                client_error=client_error,
                **kwargs,
            )
        self._dials["direct"] += 1
        (factory,) = args
        family, _, proto, _, address = addr_infos[0]
        try:
            async with ceil_timeout(timeout.sock_connect, ceil_threshold=timeout.ceil_threshold):
                transport, protocol = await self._loop.create_connection(
                    factory, address[0], address[1], family=family, proto=proto, **kwargs
                )
                return cast(asyncio.Transport, transport), protocol
        except ssl.SSLCertVerificationError as exc:
            raise aiohttp.ClientConnectorCertificateError(req.connection_key, exc) from exc
        except ssl.SSLError as exc:
            raise aiohttp.ClientConnectorSSLError(req.connection_key, exc) from exc
        except OSError as exc:
            if exc.errno is None and isinstance(exc, asyncio.TimeoutError):
                raise
            raise client_error(req.connection_key, exc) from exc
