"""Reading a glTF container for the safety gate: GLB chunks and the JSON, with bounded memory.

Walks GLB chunks exactly as the Khronos validator does (same codes and offsets), reads only the
JSON chunk, and refuses JSON that is too large or too deeply nested before any parser sees it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from parcours.gltf.report import ERROR, WARNING, Message

GLB_MAGIC = 0x46546C67
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
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


class Refused(Exception):
    """Stops the gate early: the messages so far say why."""


@dataclass
class Scan:
    path: Path
    limits: GateLimits
    messages: list[Message]
    bin_length: int | None = None
    #: Pointers of unused external URIs: declared, never fetched (the Khronos CLI skips them).
    unfetched: list[str] = field(default_factory=list)

    def say(
        self,
        code: str,
        message: str,
        pointer: str | None = None,
        offset: int | None = None,
        severity: int = ERROR,
    ) -> None:
        self.messages.append(Message(code, severity, message, pointer, offset))


def read_glb(scan: Scan, handle: BinaryIO, size: int) -> bytes:
    """Walk the GLB chunks as the Khronos validator does; return the JSON chunk."""
    header = handle.read(12)
    if len(header) < 12:
        scan.say(
            "GLB_UNEXPECTED_END_OF_HEADER",
            "the file ends inside the GLB header",
            offset=len(header),
        )
        raise Refused
    magic, version, declared = struct.unpack("<III", header)
    if magic != GLB_MAGIC:
        scan.say("GLB_INVALID_MAGIC", f"invalid GLB magic value ({magic:#x})", offset=0)
        raise Refused
    if version != 2:
        scan.say("GLB_INVALID_VERSION", f"invalid GLB version value {version}", offset=4)
        raise Refused
    if declared < 12:
        scan.say(
            "GLB_LENGTH_TOO_SMALL", f"declared length {declared} is below the header's 12", offset=8
        )
        raise Refused
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
        raise Refused
    return _json_chunk(scan, handle, chunks)


def _json_chunk(scan: Scan, handle: BinaryIO, chunks: list[tuple[int, int, int]]) -> bytes:
    if not chunks:
        scan.say("GLB_UNEXPECTED_END_OF_CHUNK_HEADER", "the GLB has no chunk", offset=12)
        raise Refused
    kind, offset, length = chunks[0]
    if kind != CHUNK_JSON:
        scan.say("GLB_UNEXPECTED_FIRST_CHUNK", "the first chunk must be JSON", offset=12)
        raise Refused
    if length == 0:
        scan.say("GLB_EMPTY_CHUNK", "the JSON chunk is empty", offset=12)
        raise Refused
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
            raise Refused
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
        raise Refused
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


def parse_json(scan: Scan, raw: bytes) -> Any:
    if raw.startswith(b"\xef\xbb\xbf"):
        scan.say("INVALID_JSON", "the JSON starts with a byte order mark, which glTF forbids")
        raise Refused
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        scan.say("INVALID_JSON", f"the JSON is not valid UTF-8 (byte {exc.start})")
        raise Refused from None
    if not text.strip():
        scan.say("INVALID_JSON", "the JSON is empty")
        raise Refused
    depth = _nesting_depth(text)
    if depth > scan.limits.max_json_depth:
        scan.say(
            "PARCOURS_JSON_TOO_DEEP",
            f"the JSON nests {depth} levels deep, over the limit of {scan.limits.max_json_depth}",
        )
        raise Refused
    try:
        document = json.loads(text.rstrip(" \x00"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        scan.say("INVALID_JSON", f"invalid JSON: {exc}")
        raise Refused from None
    if not isinstance(document, dict):
        scan.say(
            "TYPE_MISMATCH",
            f"the root must be a JSON object, not {type(document).__name__}",
            pointer="/",
        )
        raise Refused
    return document
