"""The safety gate: pure-Python checks every glTF file passes before any parser touches it.

It reads the GLB container and the JSON with bounded memory, checks every declared length
against the file and the limits before anything is allocated, and allows resources only as
`data:` URIs or relative paths that stay inside the asset's folder: nothing outside the folder
is ever read, nothing is fetched. It never raises on bad input: every problem is a `Message`
(Khronos codes where the reference validator has one, `PARCOURS_*` for our own limits).
Conformance beyond safety is the reference validator's job (reference.py), run after this.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from parcours.gltf.gate_container import GateLimits, Refused, Scan, parse_json, read_glb
from parcours.gltf.report import WARNING, Report

__all__ = ["GateLimits", "check"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


def check(path: Path, limits: GateLimits | None = None) -> Report:
    """Check one .glb or .gltf file (with the files it refers to in its folder)."""
    scan = Scan(path, limits or GateLimits(), [])
    try:
        _check_file(scan)
    except Refused:
        pass
    except OSError as exc:
        scan.say("IO_ERROR", f"cannot read the file: {exc.strerror or exc}")
    info = {"unfetched": list(scan.unfetched)} if scan.unfetched else {}
    return Report(path.name, tuple(scan.messages), ("parcours-gate",), info=info)


def _check_file(scan: Scan) -> None:
    path, limits = scan.path, scan.limits
    if not path.is_file():
        scan.say("IO_ERROR", "not a readable file")
        raise Refused
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        scan.say(
            "PARCOURS_FILE_TOO_LARGE",
            f"the file is {size} bytes, over the limit of {limits.max_file_bytes}",
        )
        raise Refused
    with path.open("rb") as handle:
        head = handle.read(4)
        is_glb = path.suffix.lower() == ".glb" or (
            path.suffix.lower() != ".gltf" and head == b"glTF"
        )
        handle.seek(0)
        if is_glb:
            text = read_glb(scan, handle, size)
        else:
            if size > limits.max_json_bytes:
                scan.say(
                    "PARCOURS_JSON_TOO_LARGE",
                    f"the JSON is {size} bytes, over the limit of {limits.max_json_bytes}",
                )
                raise Refused
            text = handle.read(size)
    document = parse_json(scan, text)
    _check_document(scan, document, is_glb)


def _items(document: dict[str, Any], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = document.get(name)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _index(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _used(document: dict[str, Any], holders: str, key: str) -> set[int]:
    """Indices referenced by `key` from each of `holders` or from one of its extensions
    (bufferViews -> buffer, including EXT_meshopt_compression; textures -> source image)."""
    used = set()
    for _, item in _items(document, holders):
        extensions = item.get("extensions") or {}
        for holder in (item, *(e for e in extensions.values() if isinstance(e, dict))):
            index = _index(holder.get(key))
            if index is not None:
                used.add(index)
    return used


def _check_document(scan: Scan, document: dict[str, Any], is_glb: bool) -> None:
    limits = scan.limits
    for name, value in document.items():
        if isinstance(value, list) and len(value) > limits.max_array_items:
            scan.say(
                "PARCOURS_TOO_MANY_OBJECTS",
                f"{len(value)} {name}, over the limit of {limits.max_array_items}",
                pointer=f"/{name}",
            )
            raise Refused
    total = 0
    used_buffers = _used(document, "bufferViews", "buffer")
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
    used_images = _used(document, "textures", "source")
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


def _resource_size(scan: Scan, uri: str, pointer: str, used: bool, limit: int) -> int | None:
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
        if not used:
            scan.unfetched.append(pointer)
            scan.say(
                "PARCOURS_NOT_FETCHED",
                f"external URI '{uri[:200]}' is declared but unused: it is not fetched",
                pointer=pointer,
                severity=WARNING,
            )
        else:
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
