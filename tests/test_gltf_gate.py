"""The safety gate on hostile files: every one refused with a report, nothing read outside."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from parcours.gltf.gate import GateLimits, check

SHARED = Path(__file__).resolve().parents[2] / "shared"
TRIANGLE = {
    "asset": {"version": "2.0"},
    "scenes": [{"nodes": [0]}],
    "nodes": [{"mesh": 0}],
    "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
    "accessors": [
        {
            "bufferView": 0,
            "componentType": 5126,
            "count": 3,
            "type": "VEC3",
            "min": [0, 0, 0],
            "max": [1, 1, 0],
        }
    ],
    "bufferViews": [{"buffer": 0, "byteLength": 36}],
    "buffers": [{"byteLength": 36, "uri": "tri.bin"}],
}
TRIANGLE_BIN = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)


def write_gltf(folder: Path, document: dict[str, object], name: str = "model.gltf") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tri.bin").write_bytes(TRIANGLE_BIN)
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def glb(json_bytes: bytes, bin_bytes: bytes | None = None, declared: int | None = None) -> bytes:
    json_bytes += b" " * (-len(json_bytes) % 4)
    body = struct.pack("<II", len(json_bytes), 0x4E4F534A) + json_bytes
    if bin_bytes is not None:
        bin_bytes += b"\0" * (-len(bin_bytes) % 4)
        body += struct.pack("<II", len(bin_bytes), 0x004E4942) + bin_bytes
    length = 12 + len(body) if declared is None else declared
    return struct.pack("<III", 0x46546C67, 2, length) + body


def codes(path: Path, limits: GateLimits | None = None) -> set[str]:
    report = check(path, limits)
    return {m.code for m in report.messages if m.severity == 0}


def test_valid_triangle_passes(tmp_path: Path) -> None:
    assert check(write_gltf(tmp_path, TRIANGLE)).ok


def test_valid_glb_passes(tmp_path: Path) -> None:
    document = {**TRIANGLE, "buffers": [{"byteLength": 36}]}
    path = tmp_path / "m.glb"
    path.write_bytes(glb(json.dumps(document).encode(), TRIANGLE_BIN))
    assert check(path).ok


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "GLB_UNEXPECTED_END_OF_HEADER"),
        (b"glTF\x02\x00", "GLB_UNEXPECTED_END_OF_HEADER"),
        (b"PK\x03\x04" + b"\0" * 20, "GLB_INVALID_MAGIC"),
        (struct.pack("<III", 0x46546C67, 1, 12), "GLB_INVALID_VERSION"),
        (glb(b'{"asset":{"version":"2.0"}}')[:-3], "GLB_UNEXPECTED_END_OF_CHUNK_DATA"),
        (glb(b'{"asset":{"version":"2.0"}}', declared=2**31), "GLB_LENGTH_MISMATCH"),
        (glb(b'{"asset":{"version":"2.0"}}', declared=20), "GLB_CHUNK_TOO_BIG"),
        (
            struct.pack("<III", 0x46546C67, 2, 28)
            + struct.pack("<II", 2**32 - 4, 0x4E4F534A)
            + b"{}  ",
            "GLB_CHUNK_TOO_BIG",
        ),
        (glb(b"[1]"), "TYPE_MISMATCH"),
        (glb(b"\xff\xfe{}"), "INVALID_JSON"),
    ],
)
def test_broken_glb_containers(tmp_path: Path, data: bytes, code: str) -> None:
    path = tmp_path / "bad.glb"
    path.write_bytes(data)
    assert code in codes(path)


def test_bin_chunk_shorter_than_declared_buffer(tmp_path: Path) -> None:
    document = {**TRIANGLE, "buffers": [{"byteLength": 1_000_000}]}
    path = tmp_path / "m.glb"
    path.write_bytes(glb(json.dumps(document).encode(), TRIANGLE_BIN))
    assert "BUFFER_BYTE_LENGTH_MISMATCH" in codes(path)


def test_lying_external_buffer_length(tmp_path: Path) -> None:
    document = {**TRIANGLE, "buffers": [{"byteLength": 360, "uri": "tri.bin"}]}
    assert "BUFFER_BYTE_LENGTH_MISMATCH" in codes(write_gltf(tmp_path, document))


def test_one_gigabyte_declared_buffer_is_refused_before_reading(tmp_path: Path) -> None:
    document = {**TRIANGLE, "buffers": [{"byteLength": 2**30, "uri": "tri.bin"}]}
    assert "PARCOURS_BUFFER_TOO_LARGE" in codes(write_gltf(tmp_path, document))


def test_huge_accessor_without_data_is_refused(tmp_path: Path) -> None:
    """A sparse/view-less accessor decodes to zeros: its size is bounded too."""
    accessor = {"componentType": 5126, "count": 500_000_000, "type": "MAT4"}
    document = {**TRIANGLE, "accessors": [*TRIANGLE["accessors"], accessor]}  # type: ignore[list-item]
    assert "PARCOURS_TOTAL_TOO_LARGE" in codes(write_gltf(tmp_path, document))


@pytest.mark.parametrize(
    "uri",
    [
        "../secret.bin",
        "sub/../../secret.bin",
        "%2e%2e/secret.bin",
        "/etc/hostname",
        "C:\\secret.bin",
        "file:///etc/hostname",
        "tri.bin?x=1",
    ],
)
def test_traversal_and_absolute_uris(tmp_path: Path, uri: str) -> None:
    (tmp_path / "secret.bin").write_bytes(TRIANGLE_BIN)
    document = {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": uri}]}
    assert codes(write_gltf(tmp_path / "asset", document)) & {"PARCOURS_URI_NOT_ALLOWED"}


@pytest.mark.parametrize(
    "uri",
    ["http://example.com/x.bin", "https://evil.example/x.bin", "//evil.example/x.bin", "ftp://x/y"],
)
def test_external_urls_are_never_fetched(tmp_path: Path, uri: str) -> None:
    document = {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": uri}]}
    assert "PARCOURS_URI_NOT_ALLOWED" in codes(write_gltf(tmp_path, document))


def test_unused_external_uri_is_left_to_the_reference_validator(tmp_path: Path) -> None:
    """As in Khronos' non_relative_uri case: declared but unused, so nothing to fetch."""
    document = {
        "asset": {"version": "2.0"},
        "buffers": [{"uri": "http://example.com/buffer.bin", "byteLength": 2}],
    }
    assert check(write_gltf(tmp_path, document)).ok


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(TRIANGLE_BIN)
    folder = tmp_path / "asset"
    path = write_gltf(folder, {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": "link.bin"}]})
    (folder / "link.bin").symlink_to(tmp_path / "secret.bin")
    assert "PARCOURS_URI_NOT_ALLOWED" in codes(path)


def test_missing_resource(tmp_path: Path) -> None:
    document = {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": "gone.bin"}]}
    assert "IO_ERROR" in codes(write_gltf(tmp_path, document))


def test_deep_nesting_never_reaches_a_parser(tmp_path: Path) -> None:
    path = tmp_path / "deep.gltf"
    path.write_text('{"asset":{"version":"2.0"},"extras":' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "PARCOURS_JSON_TOO_DEEP" in codes(path)


def test_oversized_data_uri(tmp_path: Path) -> None:
    payload = base64.b64encode(b"\0" * 3000).decode()
    document = {
        **TRIANGLE,
        "buffers": [{"byteLength": 3000, "uri": "data:application/octet-stream;base64," + payload}],
    }
    limits = GateLimits(max_buffer_bytes=2048)
    assert codes(write_gltf(tmp_path, document), limits) & {
        "PARCOURS_BUFFER_TOO_LARGE",
        "PARCOURS_RESOURCE_TOO_LARGE",
    }


def test_too_many_objects_and_too_big_files(tmp_path: Path) -> None:
    document = {**TRIANGLE, "nodes": [{}] * 200}
    path = write_gltf(tmp_path, document)
    assert "PARCOURS_TOO_MANY_OBJECTS" in codes(path, GateLimits(max_array_items=100))
    assert "PARCOURS_FILE_TOO_LARGE" in codes(path, GateLimits(max_file_bytes=10))
    assert "PARCOURS_JSON_TOO_LARGE" in codes(path, GateLimits(max_json_bytes=10))


@pytest.mark.parametrize("text", ["", "   ", "{", '{"a": NaN}', "\ufeff{}", "null", '"x"'])
def test_malformed_json(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.gltf"
    path.write_text(text, encoding="utf-8")
    assert codes(path) & {"INVALID_JSON", "TYPE_MISMATCH"}


def test_not_a_file(tmp_path: Path) -> None:
    assert "IO_ERROR" in codes(tmp_path)
    assert "IO_ERROR" in codes(tmp_path / "missing.glb")


def test_random_bytes_never_crash(tmp_path: Path) -> None:
    import random

    rng = random.Random(1712)
    for index in range(300):
        size = rng.randrange(0, 200)
        data = bytes(rng.randrange(256) for _ in range(size))
        if index % 3 == 0:
            data = b"glTF\x02\x00\x00\x00" + data
        for suffix in (".glb", ".gltf"):
            path = tmp_path / f"r{index}{suffix}"
            path.write_bytes(data)
            check(path)  # must return a report, whatever the bytes


def test_nothing_outside_the_folder_is_opened(tmp_path: Path) -> None:
    """An audit hook records every file the gate opens while checking hostile files."""
    (tmp_path / "secret.bin").write_bytes(TRIANGLE_BIN)
    folder = tmp_path / "asset"
    documents = [
        {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": "../secret.bin"}]},
        {**TRIANGLE, "images": [{"uri": "../secret.bin"}], "textures": [{"source": 0}]},
        {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": str(tmp_path / "secret.bin")}]},
    ]
    paths = [write_gltf(folder, doc, f"m{i}.gltf") for i, doc in enumerate(documents)]
    (folder / "link.bin").symlink_to(tmp_path / "secret.bin")
    paths.append(
        write_gltf(
            folder, {**TRIANGLE, "buffers": [{"byteLength": 36, "uri": "link.bin"}]}, "m9.gltf"
        )
    )
    script = (
        "import sys\nfrom pathlib import Path\nfrom parcours.gltf.gate import check\n"
        "opened = []\n"
        "sys.addaudithook(lambda e, a: opened.append(str(a[0])) if e == 'open' else None)\n"
        f"for p in {[str(p) for p in paths]!r}:\n"
        "    assert not check(Path(p)).ok\n"
        "print('\\n'.join(opened))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    opened = [line for line in result.stdout.splitlines() if line.startswith(str(tmp_path))]
    assert opened and all(line.startswith(str(folder)) for line in opened), opened
    assert not any("secret" in line for line in opened)


@pytest.mark.skipif(not (SHARED / "gltf-corpus").exists(), reason="shared corpus absent")
def test_gate_accepts_the_whole_corpus() -> None:
    files = [p for p in (SHARED / "gltf-corpus").rglob("*") if p.suffix in {".gltf", ".glb"}]
    assert len(files) >= 49
    refused = {str(p): sorted(check(p).codes) for p in files if not check(p).ok}
    assert not refused
