"""The safety gate: pure-Python checks every glTF file passes before any parser touches it.

It reads the GLB container and the JSON with bounded memory, checks every declared length
against the file and the limits before anything is allocated, and allows resources only as
`data:` URIs or relative paths that stay inside the asset's folder: nothing outside the folder
is ever read, nothing is fetched. It never raises on bad input: every problem is a `Message`
(Khronos codes where the reference validator has one, `PARCOURS_*` for our own limits).
Conformance beyond safety is the reference validator's job (reference.py), run after this.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import unquote

from parcours.gltf.report import ERROR, WARNING, Message, Report

GLB_MAGIC = 0x46546C67
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
MiB = 1024 * 1024


@dataclass(frozen=True)
class GateLimits:
    """What one model may declare; anything over is refused before it is read."""

    max_file_bytes: int = 512 * MiB
    max_json_bytes: int = 32 * MiB
    max_json_depth: int = 64
    max_array_items: int = 100_000
    max_buffer_bytes: int = 256 * MiB
    max_image_bytes: int = 64 * MiB
    max_total_bytes: int = 1024 * MiB  # buffers, images and decoded accessors together
    max_uri_length: int = 2048


class _Refused(Exception):
    """Stops the gate early: the messages so far say why."""


@dataclass
class _Scan:
    path: Path
    limits: GateLimits
    messages: list[Message]
    bin_length: int | None = None

    def say(
        self,
        code: str,
        message: str,
        pointer: str | None = None,
        offset: int | None = None,
        severity: int = ERROR,
    ) -> None:
        self.messages.append(Message(code, severity, message, pointer, offset))


def check(path: Path, limits: GateLimits | None = None) -> Report:
    """Check one .glb or .gltf file (with the files it refers to in its folder)."""
    scan = _Scan(path, limits or GateLimits(), [])
    try:
        _check_file(scan)
    except _Refused:
        pass
    except OSError as exc:
        scan.say("IO_ERROR", f"cannot read the file: {exc.strerror or exc}")
    return Report(path.name, tuple(scan.messages), ("parcours-gate",))


def _check_file(scan: _Scan) -> None:
    path, limits = scan.path, scan.limits
    if not path.is_file():
        scan.say("IO_ERROR", "not a readable file")
        raise _Refused
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        scan.say(
            "PARCOURS_FILE_TOO_LARGE",
            f"the file is {size} bytes, over the limit of {limits.max_file_bytes}",
        )
        raise _Refused
    with path.open("rb") as handle:
        head = handle.read(4)
        is_glb = path.suffix.lower() == ".glb" or (
            path.suffix.lower() != ".gltf" and head == b"glTF"
        )
        handle.seek(0)
        if is_glb:
            text = _read_glb(scan, handle, size)
        else:
            if size > limits.max_json_bytes:
                scan.say(
                    "PARCOURS_JSON_TOO_LARGE",
                    f"the JSON is {size} bytes, over the limit of {limits.max_json_bytes}",
                )
                raise _Refused
            text = handle.read(size)
    document = _parse_json(scan, text)
    _check_document(scan, document, is_glb)


def _read_glb(scan: _Scan, handle: BinaryIO, size: int) -> bytes:
    """Walk the GLB chunks as the Khronos validator does; return the JSON chunk."""
    header = handle.read(12)
    if len(header) < 12:
        scan.say(
            "GLB_UNEXPECTED_END_OF_HEADER",
            "the file ends inside the GLB header",
            offset=len(header),
        )
        raise _Refused
    magic, version, declared = struct.unpack("<III", header)
    if magic != GLB_MAGIC:
        scan.say("GLB_INVALID_MAGIC", f"invalid GLB magic value ({magic:#x})", offset=0)
        raise _Refused
    if version != 2:
        scan.say("GLB_INVALID_VERSION", f"invalid GLB version value {version}", offset=4)
        raise _Refused
    if declared < 12:
        scan.say(
            "GLB_LENGTH_TOO_SMALL", f"declared length {declared} is below the header's 12", offset=8
        )
        raise _Refused
    chunks: list[tuple[int, int, int]] = []  # (type, data offset, length)
    position, fatal = 12, False
    while position < size and position < declared:
        chunk_header = handle.read(8)
        if len(chunk_header) < 8:
            scan.say(
                "GLB_UNEXPECTED_END_OF_CHUNK_HEADER",
                "the file ends inside a chunk header",
                offset=size,
            )
            fatal = True
            break
        length, kind = struct.unpack("<II", chunk_header)
        if length % 4:
            scan.say(
                "GLB_CHUNK_LENGTH_UNALIGNED",
                f"length of chunk {kind:#x} is not aligned to 4-byte boundaries",
                offset=position,
            )
            fatal = True
            break
        end = position + 8 + length
        if end > declared:
            scan.say(
                "GLB_CHUNK_TOO_BIG",
                f"chunk ({kind:#x}) length ({length}) does not fit the total GLB length",
                offset=position,
            )
            break
        if end > size:
            scan.say(
                "GLB_UNEXPECTED_END_OF_CHUNK_DATA", "unexpected end of chunk data", offset=size
            )
            fatal = True
            break
        chunks.append((kind, position + 8, length))
        handle.seek(end)
        position = end
    if not fatal:
        if position == declared and size > declared:
            scan.say(
                "GLB_EXTRA_DATA",
                "extra data after the end of the GLB stream",
                offset=declared,
                severity=WARNING,
            )
        elif declared != size:
            scan.say(
                "GLB_LENGTH_MISMATCH",
                f"declared length ({declared}) does not match the GLB length ({size})",
                offset=size,
            )
    if any(m.severity == ERROR for m in scan.messages):
        raise _Refused
    return _json_chunk(scan, handle, chunks)


def _json_chunk(scan: _Scan, handle: BinaryIO, chunks: list[tuple[int, int, int]]) -> bytes:
    if not chunks:
        scan.say("GLB_UNEXPECTED_END_OF_CHUNK_HEADER", "the GLB has no chunk", offset=12)
        raise _Refused
    kind, offset, length = chunks[0]
    if kind != CHUNK_JSON:
        scan.say("GLB_UNEXPECTED_FIRST_CHUNK", "the first chunk must be JSON", offset=12)
        raise _Refused
    if length == 0:
        scan.say("GLB_EMPTY_CHUNK", "the JSON chunk is empty", offset=12)
        raise _Refused
    seen_bin = False
    for other_kind, other_offset, other_length in chunks[1:]:
        if other_kind == CHUNK_BIN and not seen_bin:
            seen_bin = True
            scan.bin_length = other_length
        elif other_kind in (CHUNK_BIN, CHUNK_JSON):
            scan.say(
                "GLB_DUPLICATE_CHUNK",
                f"second chunk of type {other_kind:#x}",
                offset=other_offset - 8,
            )
            raise _Refused
        else:
            scan.say(
                "GLB_UNKNOWN_CHUNK_TYPE",
                f"unknown chunk type {other_kind:#x} is skipped",
                offset=other_offset - 8,
                severity=WARNING,
            )
    if length > scan.limits.max_json_bytes:
        scan.say(
            "PARCOURS_JSON_TOO_LARGE",
            f"the JSON chunk is {length} bytes, over the limit of {scan.limits.max_json_bytes}",
            offset=offset,
        )
        raise _Refused
    handle.seek(offset)
    return handle.read(length)


def _nesting_depth(text: str) -> int:
    """Deepest nesting of arrays and objects, counted without parsing (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(scan: _Scan, raw: bytes) -> Any:
    if raw.startswith(b"\xef\xbb\xbf"):
        scan.say("INVALID_JSON", "the JSON starts with a byte order mark, which glTF forbids")
        raise _Refused
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        scan.say("INVALID_JSON", f"the JSON is not valid UTF-8 (byte {exc.start})")
        raise _Refused from None
    if not text.strip():
        scan.say("INVALID_JSON", "the JSON is empty")
        raise _Refused
    depth = _nesting_depth(text)
    if depth > scan.limits.max_json_depth:
        scan.say(
            "PARCOURS_JSON_TOO_DEEP",
            f"the JSON nests {depth} levels deep, over the limit of {scan.limits.max_json_depth}",
        )
        raise _Refused
    try:
        document = json.loads(text.rstrip(" \x00"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        scan.say("INVALID_JSON", f"invalid JSON: {exc}")
        raise _Refused from None
    if not isinstance(document, dict):
        scan.say(
            "TYPE_MISMATCH",
            f"the root must be a JSON object, not {type(document).__name__}",
            pointer="/",
        )
        raise _Refused
    return document


def _items(document: dict[str, Any], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = document.get(name)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _index(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _used_buffers(document: dict[str, Any]) -> set[int]:
    used = set()
    for _, view in _items(document, "bufferViews"):
        for holder in (
            view,
            *(ext for ext in (view.get("extensions") or {}).values() if isinstance(ext, dict)),
        ):
            index = _index(holder.get("buffer"))
            if index is not None:
                used.add(index)
    return used


def _used_images(document: dict[str, Any]) -> set[int]:
    used = set()
    for _, texture in _items(document, "textures"):
        for holder in (
            texture,
            *(ext for ext in (texture.get("extensions") or {}).values() if isinstance(ext, dict)),
        ):
            index = _index(holder.get("source"))
            if index is not None:
                used.add(index)
    return used


def _check_document(scan: _Scan, document: dict[str, Any], is_glb: bool) -> None:
    limits = scan.limits
    for name, value in document.items():
        if isinstance(value, list) and len(value) > limits.max_array_items:
            scan.say(
                "PARCOURS_TOO_MANY_OBJECTS",
                f"{len(value)} {name}, over the limit of {limits.max_array_items}",
                pointer=f"/{name}",
            )
            raise _Refused
    total = 0
    used_buffers = _used_buffers(document)
    for index, buffer in _items(document, "buffers"):
        pointer = f"/buffers/{index}"
        declared = _index(buffer.get("byteLength"))
        if declared is not None and declared > limits.max_buffer_bytes:
            scan.say(
                "PARCOURS_BUFFER_TOO_LARGE",
                f"declares {declared} bytes, over the limit of {limits.max_buffer_bytes}",
                pointer=pointer,
            )
            continue
        total += declared or 0
        uri = buffer.get("uri")
        if uri is None:
            if (
                is_glb
                and index == 0
                and scan.bin_length is not None
                and declared is not None
                and declared > scan.bin_length
            ):
                scan.say(
                    "BUFFER_BYTE_LENGTH_MISMATCH",
                    f"declares {declared} bytes but the BIN chunk holds {scan.bin_length}",
                    pointer=pointer,
                )
            continue
        if isinstance(uri, str):
            available = _resource_size(
                scan, uri, f"{pointer}/uri", index in used_buffers, limits.max_buffer_bytes
            )
            if available is not None and declared is not None and available < declared:
                scan.say(
                    "BUFFER_BYTE_LENGTH_MISMATCH",
                    f"actual data byte length ({available}) "
                    f"is less than the declared buffer byte length ({declared})",
                    pointer=pointer,
                )
    used_images = _used_images(document)
    for index, image in _items(document, "images"):
        uri = image.get("uri")
        if isinstance(uri, str):
            total += (
                _resource_size(
                    scan, uri, f"/images/{index}/uri", index in used_images, limits.max_image_bytes
                )
                or 0
            )
    total += _decoded_accessor_bytes(document)
    if total > limits.max_total_bytes:
        scan.say(
            "PARCOURS_TOTAL_TOO_LARGE",
            f"buffers, images and decoded accessors add up to "
            f"{total} bytes, over the limit of {limits.max_total_bytes}",
        )


def _decoded_accessor_bytes(document: dict[str, Any]) -> int:
    """What decoding every accessor would allocate (sparse or view-less ones included)."""
    total = 0
    for _, accessor in _items(document, "accessors"):
        count = _index(accessor.get("count")) or 0
        size = _COMPONENT_BYTES.get(accessor.get("componentType"), 4)  # type: ignore[arg-type]
        components = _TYPE_COMPONENTS.get(str(accessor.get("type")), 16)
        total += max(count, 0) * size * components
    return total


def _data_uri_size(uri: str) -> int | None:
    """Decoded length of a data: URI, computed without decoding it."""
    header, separator, payload = uri.partition(",")
    if not separator:
        return None
    if header.endswith(";base64"):
        payload = payload.strip()
        padding = len(payload) - len(payload.rstrip("="))
        return max(0, len(payload) * 3 // 4 - padding)
    return len(unquote(payload).encode("utf-8"))


def _resource_size(scan: _Scan, uri: str, pointer: str, used: bool, limit: int) -> int | None:
    """Size of a referenced resource, after checking its URI is one we may read."""
    if uri.startswith("data:"):
        size = _data_uri_size(uri)
        if size is not None and size > limit:
            scan.say(
                "PARCOURS_RESOURCE_TOO_LARGE",
                f"data URI holds {size} bytes, over the limit of {limit}",
                pointer=pointer,
            )
        return size
    if len(uri) > scan.limits.max_uri_length:
        scan.say(
            "PARCOURS_URI_NOT_ALLOWED",
            f"URI longer than {scan.limits.max_uri_length} characters",
            pointer=pointer,
        )
        return None
    if _SCHEME.match(uri) or uri.startswith("//"):
        if used:
            scan.say(
                "PARCOURS_URI_NOT_ALLOWED",
                f"external URI '{uri[:200]}' is never fetched; "
                "put the file in the asset's folder and refer to it by a relative path",
                pointer=pointer,
            )
        return None
    decoded = unquote(uri)
    parts = PurePosixPath(decoded).parts
    if (
        not decoded
        or "\\" in decoded
        or "\x00" in decoded
        or decoded.startswith("/")
        or ".." in parts
        or "?" in uri
        or "#" in uri
    ):
        scan.say(
            "PARCOURS_URI_NOT_ALLOWED",
            f"URI '{uri[:200]}' must be a relative path inside "
            "the asset's folder (no absolute path, no '..', no query)",
            pointer=pointer,
        )
        return None
    folder = scan.path.parent.resolve()
    target = (folder / decoded).resolve()
    if not target.is_relative_to(folder):
        scan.say(
            "PARCOURS_URI_NOT_ALLOWED",
            f"URI '{uri[:200]}' leads outside the asset's folder (through a link)",
            pointer=pointer,
        )
        return None
    if not target.is_file():
        scan.say("IO_ERROR", f"file '{decoded}' not found in the asset's folder", pointer=pointer)
        return None
    size = target.stat().st_size
    if size > limit:
        scan.say(
            "PARCOURS_RESOURCE_TOO_LARGE",
            f"'{decoded}' is {size} bytes, over the limit of {limit}",
            pointer=pointer,
        )
    return size
