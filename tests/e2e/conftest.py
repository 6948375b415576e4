"""A real uvicorn process on a free port, as users run it (`parcours serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[str]
    base: str

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def start_server(*args: str, root: Path | None = None, wait: float = 30) -> Server:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "parcours.cli", "serve", "--port", str(port), *args]
    if root is not None:
        command += ["--root", str(root)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(base + "/-/health", timeout=1).status_code == 200:
                return Server(process, base)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    output = process.communicate(timeout=10)[0] or ""
    raise RuntimeError(f"server did not answer in {wait:g} s; its output:\n{output[-4000:]}")


def stop(server: Server) -> str:
    server.process.terminate()
    try:
        output, _ = server.process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        output, _ = server.process.communicate()
    return output


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = start_server()
    yield running
    stop(running)
