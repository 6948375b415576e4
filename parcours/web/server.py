"""Running the application under uvicorn, as `parcours serve` asks."""

from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from parcours.settings import Settings
from parcours.snapshot import Snapshot

#: Largest request line and headers (nginx's default allows 32 KB): a longer head is answered
#: 431 and never reaches the application; a head arriving in pieces is cut off after one read
#: past the limit, since httptools joins a header's pieces in quadratic time.
MAX_HEAD_BYTES = 32 * 1024


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing the request."""


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing request heads over MAX_HEAD_BYTES (431)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_in_head, self.head_size, self.in_head, self.refused = 0, 0, True, False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.read_in_head, self.head_size, self.in_head = 0, 0, True

    def on_url(self, url: bytes) -> None:
        self.head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.in_head = False
        if self.head_size > MAX_HEAD_BYTES:
            self.refuse_head()
            raise _HeadTooLarge
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # read and dropped until the close, so that the client reads the answer
        super().data_received(data)
        if self.in_head and not self.transport.is_closing():  # a head arriving in pieces
            self.read_in_head += len(data)
            if self.read_in_head > MAX_HEAD_BYTES:
                self.refuse_head()

    def send_400_response(self, msg: str) -> None:
        if not self.refused:  # _HeadTooLarge reaches uvicorn as a parser error
            super().send_400_response(msg)

    def refuse_head(self) -> None:
        self.refused = True
        message = f"the request line and headers are over {MAX_HEAD_BYTES} bytes"
        error = {"code": "request_too_large", "message": message, "details": {}}
        body = json.dumps({"error": error}).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\nconnection: close\r\n"
            + b"content-length: %d\r\n\r\n" % len(body)
            + body
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(1.0, self.transport.close)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    reload: bool = False
    workers: int = 1
    log_level: str = "info"
    access_log: bool = False


def serve(settings: Settings, snapshot: Snapshot, options: ServeOptions) -> None:
    """Serve an already validated snapshot; reload and workers rebuild it in each process."""
    common = {
        "host": options.host,
        "port": options.port,
        "log_level": options.log_level,
        "access_log": options.access_log,
        "proxy_headers": True,
        "server_header": False,  # no need to tell every client which server software runs
        "http": "parcours.web.server:BoundedHttpTools",
    }
    if options.reload or options.workers > 1:
        # Reload and workers need an import string; settings travel in the environment.
        os.environ["PARCOURS_ROOT"] = str(settings.root)
        os.environ["PARCOURS_WATCH"] = "1" if settings.watch and not options.reload else "0"
        uvicorn.run(
            "parcours.web.app:app_from_env",
            factory=True,
            reload=options.reload,
            workers=options.workers,
            reload_dirs=[str(settings.root)] if options.reload else None,
            reload_includes=["*.yaml", "*.po", "*.html", "*.py"] if options.reload else None,
            **common,  # type: ignore[arg-type]
        )
        return
    from parcours.web.app import create_app

    app = create_app(settings, snapshot)
    gc.freeze()  # the snapshot never changes: the cyclic collector need not walk it again
    uvicorn.run(app, **common)  # type: ignore[arg-type]
