"""Hostile input is refused quickly, clearly and with bounded memory.

- YAML bombs in a content copy (aliases expanding to billions of values, 10,000 levels of
  nesting, a 100 MB scalar): `parcours check` and the snapshot fail with one clear problem,
  in well under 2 s, without building what the file describes (peak memory measured).
- A real uvicorn: a PATCH body over 1 MB is a 413 while it is still arriving (sent slowly);
  a 64 KB header, 5,000 headers or a 100 KB query string are 4xx, never 5xx, and the server
  answers the next request.
- Path traversal in every route that touches files (`/media/`, `/static/`, `/vendor/`,
  `/icons/`, `/api/history/`, `/api/restore/` with a token): 400 or 404, never a byte of a
  file outside.
- Malformed glTF at every layer, through `parcours validate` and the gate: refused with the
  layer's code, in bounded time and memory, nothing read outside the model's folder.
"""

from __future__ import annotations

import contextlib
import json
import select
import shutil
import socket
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from parcours.accounts import Accounts
from parcours.cli import main
from parcours.errors import CatalogueInvalid
from parcours.gltf.gate import GateLimits, check
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.snapshot import build_snapshot
from parcours.web.app import create_app
from tests.conftest import CONTENT_DIRS, CONTENT_FILES
from tests.e2e.conftest import Server, start_server, stop

SITE = "caph-8n-cite-lagrange"
MiB = 1024 * 1024
#: Refusals take milliseconds; this bound only catches the pathological (a bomb expanded, a
#: body read whole: minutes), with room for a loaded CI machine. Speed is measured in bench/.
QUICKLY_S = 10.0


def measured(action: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result or exception, seconds, peak MiB of Python allocations)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result: Any = action()
    except Exception as exc:
        result = exc
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / MiB
    tracemalloc.stop()
    return result, elapsed, peak


# --- YAML bombs ------------------------------------------------------------------------------


def billion_laughs(path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path.write_text("\n".join([*lines, "catalogue: *a9", "sites: *a9", ""]), encoding="utf-8")


def deep_sequences(path: Path) -> None:
    path.write_text("sites: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")


def deep_mappings(path: Path) -> None:
    path.write_text("sites: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", encoding="utf-8")


def huge_scalar(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("catalogue: {}\nsites:\n  - id: '")
        chunk = "x" * MiB
        for _ in range(100):
            handle.write(chunk)
        handle.write("'\n")


BOMBS = {
    "billion-laughs": (billion_laughs, "too_large", "aliases expand"),
    "deep-sequences": (deep_sequences, "too_deep", "nested deeper"),
    "deep-mappings": (deep_mappings, "too_deep", "nested deeper"),
    "100-MB-scalar": (huge_scalar, "too_large", "over the limit"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_yaml_bombs_are_refused_fast_with_bounded_memory(
    bomb: str, content_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write, code, words = BOMBS[bomb]
    write(content_root / "site_catalog.yaml")
    result, elapsed, peak = measured(lambda: build_snapshot(Settings(root=content_root)))
    with capsys.disabled():  # shown by `pytest -s`
        print(f"\n{bomb}: refused in {elapsed * 1000:.0f} ms, peak {peak:.1f} MiB", end="")
    assert isinstance(result, CatalogueInvalid), result
    assert [p.code for p in result.problems] == [code]
    problem = result.problems[0]
    assert problem.file == "site_catalog.yaml" and words in problem.message
    assert elapsed < QUICKLY_S
    assert peak < 16  # never the billions of values, nor the 100 MB read whole
    started = time.perf_counter()
    assert main(["check", "--root", str(content_root)]) == 1
    assert time.perf_counter() - started < 2.0
    err = capsys.readouterr().err
    assert "site_catalog.yaml" in err and words in err


def test_a_bomb_in_a_trail_is_refused_too(content_root: Path) -> None:
    trail = next((content_root / "tours").glob("*.yaml"))
    billion_laughs(trail)
    result, elapsed, peak = measured(lambda: build_snapshot(Settings(root=content_root)))
    assert isinstance(result, CatalogueInvalid), result
    assert any(p.code == "too_large" and trail.name in p.file for p in result.problems)
    assert elapsed < QUICKLY_S and peak < 64


def test_legitimate_anchors_still_load(content_root: Path) -> None:
    """The bound is far above what a hand-written file does with an anchor or two."""
    catalogue = content_root / "site_catalog.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text + "\nx-shared: &shared {a: 1, b: [1, 2, 3]}\n", encoding="utf-8")
    from parcours.yamldoc import load_yaml

    doc = load_yaml(catalogue, "site_catalog.yaml", 5 * MiB)
    assert doc.data["x-shared"] == {"a": 1, "b": [1, 2, 3]}


# --- A real server under hostile requests ----------------------------------------------------


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "content"
    root.mkdir()
    for name in CONTENT_FILES:
        shutil.copy2(BUNDLED_ROOT / name, root / name)
    for name in CONTENT_DIRS:
        shutil.copytree(BUNDLED_ROOT / name, root / name)
    (base / "canary.txt").write_text("CANARY-outside-the-content", encoding="utf-8")
    token = Accounts(root / ".parcours" / "users.json").add("curator-1", "curator")
    server = start_server("--no-watch", root=root)
    yield server, token, base
    stop(server)


def port_of(server: Server) -> int:
    return int(server.base.rsplit(":", 1)[1])


def raw(server: Server, request: bytes, timeout: float = 10) -> tuple[int, bytes]:
    """Send bytes exactly as given (no client normalises the path); (status, whole answer)."""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, answer


def assert_alive(server: Server) -> None:
    assert server.process.poll() is None
    assert server.get("/-/health").status_code == 200
    assert server.get(f"/api/sites/{SITE}").status_code == 200


def test_a_body_over_1_mb_is_refused_while_it_streams(
    hostile_server: tuple[Server, str, Path],
) -> None:
    """Chunked, 64 KB every 5 ms: the 413 comes after about 1 MB, long before the 8 MB."""
    server, token, _ = hostile_server
    head = (
        f"PATCH /api/sites/{SITE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/merge-patch+json\r\nIf-Match: *\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    chunk = b"x" * 65536
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as sock:
        sock.sendall(head)
        while sent < 8 * MiB:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            if select.select([sock], [], [], 0.005)[0]:
                break
        with contextlib.suppress(ConnectionResetError):
            while part := sock.recv(65536):
                answer += part
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert MiB <= sent < 4 * MiB, sent
    assert b'"code":"bad_body"' in answer.replace(b" ", b"")
    assert_alive(server)


def test_a_body_over_1_mb_in_process(content_root: Path) -> None:
    token = Accounts(content_root / ".parcours" / "users.json").add("curator-1", "curator")
    sent = []

    def body() -> Iterator[bytes]:
        for _ in range(64):
            sent.append(1)
            yield b" " * 65536

    with TestClient(create_app(Settings(root=content_root))) as client:
        answer = client.patch(
            f"/api/sites/{SITE}",
            headers={
                "authorization": f"Bearer {token}",
                "content-type": "application/merge-patch+json",
                "if-match": "*",
            },
            content=body(),
        )
    assert answer.status_code == 413 and "1048576" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /api/sites HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n",
        b"GET /api/sites HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 16 * MiB + b"\r\n",
        b"GET /api/sites HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: a\r\n" % i for i in range(5000)),
        b"GET /api/sites?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n",
        b"GET /?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n",
        b"GET /api/sites?" + b"&".join(b"p%d=1" % i for i in range(20_000)) + b" HTTP/1.1\r\n",
    ],
    ids=[
        "64KB-header",
        "16MB-header",
        "5000-headers",
        "100KB-query",
        "100KB-page-query",
        "20k-params",
    ],
)
def test_oversized_heads_are_4xx_and_the_server_goes_on(
    request_bytes: bytes, hostile_server: tuple[Server, str, Path]
) -> None:
    server, _, _ = hostile_server
    started = time.perf_counter()
    status, answer = raw(server, request_bytes + b"Connection: close\r\n\r\n")
    elapsed = time.perf_counter() - started
    assert 400 <= status < 500, answer[:300]
    assert elapsed < QUICKLY_S
    assert_alive(server)


TRAVERSALS = [
    "../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/canary.txt",
    "..%252f..%252fetc%252fpasswd",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "..%5c..%5ccanary.txt",
    "....//....//etc/passwd",
    "../canary.txt",
    "..%2fcanary.txt",
    "..%2f..%2fcanary.txt",
    "canary.txt%00.png",
    "%00",
    "site_catalog.yaml%00",
    "..%2f.parcours%2fusers.json",
]
FILE_ROUTES = ["/media/", "/static/", "/vendor/", "/icons/", "/api/history/", "/api/restore/"]


@pytest.mark.parametrize("prefix", FILE_ROUTES)
def test_no_route_reads_a_file_outside(
    prefix: str, hostile_server: tuple[Server, str, Path]
) -> None:
    server, token, base = hostile_server
    users = (base / "content" / ".parcours" / "users.json").read_text(encoding="utf-8")
    digest = json.loads(users)
    secrets = [b"CANARY-outside", b"root:x:0:0", *(k.encode() for k in _strings(digest))]
    for payload in TRAVERSALS:
        method, body = ("POST", b'{"revision": 1}') if prefix == "/api/restore/" else ("GET", b"")
        request = (
            f"{method} {prefix}{payload} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + body
        status, answer = raw(server, request)
        if prefix == "/api/history/" and status == 200:
            # Not a way out ('..%2f' double-encoded is one odd file name): no revisions.
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["revisions"] == []
        else:
            assert status in (400, 404), (prefix, payload, answer[:400])
        for secret in secrets:
            assert secret not in answer, (prefix, payload, secret)
    # A raw NUL byte in the request line never reaches a route.
    status, _ = raw(server, f"GET {prefix}a\x00b HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status == 400
    assert_alive(server)


def _strings(value: Any) -> Iterator[str]:
    """The long strings of users.json (token digests): none may appear in an answer."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str) and len(value) >= 32:
        yield value


# --- Malformed glTF at every layer -----------------------------------------------------------

TRIANGLE: dict[str, Any] = {
    "asset": {"version": "2.0"},
    "scenes": [{"nodes": [0]}],
    "nodes": [{"mesh": 0}],
    "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
    "accessors": [
        {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"}
        | {"min": [0, 0, 0], "max": [1, 1, 0]}
    ],
    "bufferViews": [{"buffer": 0, "byteLength": 36}],
    "buffers": [{"byteLength": 36}],
}
TRIANGLE_BIN = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)


def glb(
    json_bytes: bytes, bin_bytes: bytes | None = TRIANGLE_BIN, declared: int | None = None
) -> bytes:
    json_bytes += b" " * (-len(json_bytes) % 4)
    body = struct.pack("<II", len(json_bytes), 0x4E4F534A) + json_bytes
    if bin_bytes is not None:
        bin_bytes += b"\0" * (-len(bin_bytes) % 4)
        body += struct.pack("<II", len(bin_bytes), 0x004E4942) + bin_bytes
    return (
        struct.pack("<III", 0x46546C67, 2, 12 + len(body) if declared is None else declared) + body
    )


def with_buffer(**buffer: Any) -> bytes:
    return json.dumps({**TRIANGLE, "buffers": [{"byteLength": 36, **buffer}]}).encode()


def write_glb(folder: Path, data: bytes) -> Path:
    (folder / "model.glb").write_bytes(data)
    return folder / "model.glb"


def write_gltf(folder: Path, data: bytes) -> Path:
    (folder / "model.gltf").write_bytes(data)
    return folder / "model.gltf"


def sparse(folder: Path, name: str, head: bytes, size: int) -> Path:
    path = folder / name
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


def big_gltf(folder: Path) -> Path:
    """A data: URI bomb: 40 MB of base64 in the JSON (the limit is 32 MB)."""
    path = folder / "model.gltf"
    with path.open("w", encoding="ascii") as handle:
        handle.write('{"asset":{"version":"2.0"},"buffers":[{"byteLength":30000000,')
        handle.write('"uri":"data:application/octet-stream;base64,')
        for _ in range(40):
            handle.write("A" * MiB)
        handle.write('"}]}')
    return path


MODELS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty": (lambda d: write_glb(d, b""), "GLB_UNEXPECTED_END_OF_HEADER"),
    "truncated-header": (lambda d: write_glb(d, b"glTF\x02\x00"), "GLB_UNEXPECTED_END_OF_HEADER"),
    "wrong-magic": (lambda d: write_glb(d, b"PK\x03\x04" + b"\0" * 60), "GLB_INVALID_MAGIC"),
    "version-1": (
        lambda d: write_glb(d, struct.pack("<III", 0x46546C67, 1, 12)),
        "GLB_INVALID_VERSION",
    ),
    "truncated-chunk": (
        lambda d: write_glb(d, glb(json.dumps(TRIANGLE).encode())[:-20]),
        "GLB_UNEXPECTED_END_OF_CHUNK_DATA",
    ),
    "json-not-json": (lambda d: write_glb(d, glb(b"{not json at all")), "INVALID_JSON"),
    "json-not-utf8": (lambda d: write_glb(d, glb(b'{"asset": "\xff\xfe"}')), "INVALID_JSON"),
    "json-an-array": (lambda d: write_glb(d, glb(b"[1, 2, 3]")), "TYPE_MISMATCH"),
    "json-nested-100k": (
        lambda d: write_glb(d, glb(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}")),
        "PARCOURS_JSON_TOO_DEEP",
    ),
    "declared-4GB-total": (
        lambda d: write_glb(d, glb(json.dumps(TRIANGLE).encode(), declared=0xFFFFFFFF)),
        "GLB_LENGTH_MISMATCH",
    ),
    "declared-4GB-chunk": (
        lambda d: write_glb(
            d,
            struct.pack("<III", 0x46546C67, 2, 0xFFFFFFFF)
            + struct.pack("<II", 0xFFFFFFF0, 0x4E4F534A)
            + b"{}  ",
        ),
        "GLB_CHUNK_TOO_BIG",
    ),
    "json-chunk-40MB": (
        lambda d: sparse(
            d,
            "model.glb",
            struct.pack("<III", 0x46546C67, 2, 12 + 8 + 40 * MiB)
            + struct.pack("<II", 40 * MiB, 0x4E4F534A),
            12 + 8 + 40 * MiB,
        ),
        "PARCOURS_JSON_TOO_LARGE",
    ),
    "file-600MB": (
        lambda d: sparse(d, "model.glb", b"glTF", 600 * MiB),
        "PARCOURS_FILE_TOO_LARGE",
    ),
    "buffer-1TB": (
        lambda d: write_glb(d, glb(with_buffer(byteLength=2**40))),
        "PARCOURS_BUFFER_TOO_LARGE",
    ),
    "accessor-2G-items": (
        lambda d: write_glb(
            d,
            glb(
                json.dumps(
                    {**TRIANGLE, "accessors": [{**TRIANGLE["accessors"][0], "count": 2**31}]}
                ).encode()
            ),
        ),
        "PARCOURS_TOTAL_TOO_LARGE",
    ),
    "uri-parent": (
        lambda d: write_glb(d, glb(with_buffer(uri="../secret.bin"), None)),
        "PARCOURS_URI_NOT_ALLOWED",
    ),
    "uri-encoded-parent": (
        lambda d: write_glb(d, glb(with_buffer(uri="%2e%2e/secret.bin"), None)),
        "PARCOURS_URI_NOT_ALLOWED",
    ),
    "uri-absolute": (
        lambda d: write_glb(d, glb(with_buffer(uri="/etc/passwd"), None)),
        "PARCOURS_URI_NOT_ALLOWED",
    ),
    "uri-file-scheme": (
        lambda d: write_glb(d, glb(with_buffer(uri="file:///etc/passwd"), None)),
        "PARCOURS_URI_NOT_ALLOWED",
    ),
    "uri-nul": (
        lambda d: write_glb(d, glb(with_buffer(uri="tri.bin%00.png"), None)),
        "PARCOURS_URI_NOT_ALLOWED",
    ),
    "uri-symlink-out": (
        lambda d: (
            (d / "link.bin").symlink_to(d.parent / "secret.bin"),
            write_glb(d, glb(with_buffer(uri="link.bin"), None)),
        )[1],
        "PARCOURS_URI_NOT_ALLOWED",
    ),
    "data-uri-40MB": (big_gltf, "PARCOURS_JSON_TOO_LARGE"),
    "data-uri-declares-1TB": (
        lambda d: write_gltf(
            d,
            json.dumps(
                {
                    **TRIANGLE,
                    "buffers": [{"byteLength": 2**40, "uri": "data:;base64,AAAA"}],
                }
            ).encode(),
        ),
        "PARCOURS_BUFFER_TOO_LARGE",
    ),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_malformed_gltf_is_refused_by_validate(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "asset"
    folder.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"SECRET-outside-the-folder" + b"\0" * 36)
    build, code = MODELS[name]
    path = build(folder)
    report, elapsed, peak = measured(lambda: check(path))
    with capsys.disabled():  # shown by `pytest -s`
        print(f"\n{name}: {code} in {elapsed * 1000:.0f} ms, peak {peak:.1f} MiB", end="")
    assert not report.ok and code in {m.code for m in report.messages}, report.summary()
    assert elapsed < QUICKLY_S
    assert peak < 64  # a 40 MB JSON, a 600 MB file, a 1 TB buffer: none of it is read
    started = time.perf_counter()
    assert main(["validate", str(path)]) == 1
    assert time.perf_counter() - started < 5.0
    out = capsys.readouterr().out
    assert "REFUSED" in out and code in out
    assert "SECRET" not in out


def test_data_uri_bombs_within_the_json_limit(tmp_path: Path) -> None:
    """Many data: URIs, each under its own limit, adding up over the total: refused from
    their lengths, none decoded."""
    payload = "data:application/octet-stream;base64," + "A" * (4 * MiB)
    document = {
        **TRIANGLE,
        "buffers": [{"byteLength": 3 * MiB, "uri": payload} for _ in range(4)],
        "bufferViews": [{"buffer": i, "byteLength": 36} for i in range(4)],
    }
    path = write_gltf(tmp_path, json.dumps(document).encode())
    limits = GateLimits(max_buffer_bytes=4 * MiB, max_total_bytes=8 * MiB)
    report, elapsed, peak = measured(lambda: check(path, limits))
    assert "PARCOURS_TOTAL_TOO_LARGE" in {m.code for m in report.messages}
    assert elapsed < QUICKLY_S and peak < 80  # the JSON itself (16 MB) is read once, not decoded
    percent = {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": "data:," + "%41" * MiB}]}
    path = write_gltf(tmp_path, json.dumps(percent).encode())
    report = check(path, GateLimits(max_buffer_bytes=MiB // 2))
    assert "PARCOURS_RESOURCE_TOO_LARGE" in {m.code for m in report.messages}
