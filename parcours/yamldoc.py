"""Read curated YAML files keeping where every value came from.

Curators edit YAML by hand, so a problem must point at the line they typed. ruamel.yaml's
round-trip loader keeps line numbers on every mapping and sequence; we keep that tree to
locate problems and hand plain Python values (dict, list, str, int, float, bool, None) to
validation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from parcours.atomic import write_cache
from parcours.errors import CatalogueInvalid, Problem

PathPart = str | int
#: Deepest nesting a content file may have (hand-written ones stay under 15 levels).
MAX_DEPTH = 100
#: Values that aliases may add beyond the file's own size (each value takes bytes in the file).
MAX_ALIAS_VALUES = 100_000


def format_path(parts: Sequence[PathPart]) -> str:
    """('sites', 12, 'location', 'lat') -> 'sites[12].location.lat'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class YamlDocument:
    """A parsed YAML file: plain data for validation, the marked tree for line numbers.

    The data comes from the fast C loader; the round-trip tree, which knows lines, is only
    parsed when a problem has to be located (it is ten times slower).
    """

    def __init__(self, file: str, data: Any, text: str | None = None, tree: Any = None) -> None:
        self.file = file
        self.data = data
        self._text = text
        self._tree = tree

    @property
    def tree(self) -> Any:
        if self._tree is None and self._text is not None:
            self._tree = YAML(typ="rt").load(self._text)
        return self._tree

    def line_of(self, parts: Sequence[PathPart]) -> int | None:
        """1-based line of the deepest node along the path that exists in the file."""
        node = self.tree
        line: int | None = 1
        for part in parts:
            lc = getattr(node, "lc", None)
            try:
                if isinstance(part, int) and isinstance(node, list):
                    if lc is not None:
                        line = lc.item(part)[0] + 1
                    node = node[part]
                elif isinstance(node, dict) and part in node:
                    if lc is not None:
                        line = lc.key(part)[0] + 1
                    node = node[part]
                else:
                    break
            except (KeyError, IndexError, TypeError):
                break
        return line

    def problem(
        self,
        parts: Sequence[PathPart],
        message: str,
        hint: str | None = None,
        code: str = "invalid",
    ) -> Problem:
        return Problem(self.file, self.line_of(parts), format_path(parts), message, hint, code)


def plain(node: Any) -> Any:
    """ruamel's commented types -> builtin types, so validation sees what the curator wrote."""
    if isinstance(node, dict):
        return {str(key) if not isinstance(key, str) else key: plain(v) for key, v in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime | dt.date):
        return node.isoformat()
    return node


def _shape_problem(text: str, display_name: str) -> Problem | None:
    """Refuse a YAML bomb from the parser's events, before any value is built: nesting deeper
    than MAX_DEPTH, or aliases expanding to more values than the file could hold written out
    ("billion laughs"). Syntax errors are left to the loaders, which locate them."""
    limit, total, sizes = len(text) + MAX_ALIAS_VALUES, 0, {}
    starts: list[tuple[str | None, int]] = []
    try:
        for event in YAML(typ="safe", pure=False).parse(text):
            if isinstance(event, CollectionStartEvent):
                if len(starts) >= MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    message = f"nested deeper than {MAX_DEPTH} levels"
                    return Problem(display_name, line, "", message, None, "too_deep")
                starts.append((event.anchor, total))
                total += 1
            elif isinstance(event, CollectionEndEvent):
                anchor, start = starts.pop()
                if anchor:
                    sizes[anchor] = total - start
            elif isinstance(event, ScalarEvent):
                total += 1
            elif isinstance(event, AliasEvent):
                total += sizes.get(event.anchor, 1)
            if total > limit:
                message = f"aliases expand to more than {limit} values"
                hint = "write the values out instead of repeating anchors"
                return Problem(display_name, None, "", message, hint, "too_large")
    except YAMLError:
        return None
    return None


#: Bumped when what the cache holds changes meaning; the interpreter's version is in it too,
#: as marshal's format may change between versions.
_CACHE_FORMAT = f"1-{sys.version_info[0]}.{sys.version_info[1]}"


def _cache_file(cache_dir: Path, display_name: str) -> Path:
    """One cache file per content file, so edits replace it instead of adding files."""
    return cache_dir / f"yaml-{hashlib.sha256(display_name.encode()).hexdigest()[:24]}.marshal"


def _cached(cache_dir: Path | None, display_name: str, digest: str) -> tuple[bool, Any]:
    """(True, data) when this file's content was parsed and checked before."""
    if cache_dir is None:
        return False, None
    try:
        found = marshal.loads(_cache_file(cache_dir, display_name).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return False, None
    if isinstance(found, tuple) and len(found) == 3 and found[:2] == (_CACHE_FORMAT, digest):
        return True, found[2]
    return False, None


def _remember(cache_dir: Path | None, display_name: str, digest: str, data: Any) -> None:
    if cache_dir is not None:
        marshalled = marshal.dumps((_CACHE_FORMAT, digest, data))
        write_cache(_cache_file(cache_dir, display_name), marshalled)


def load_yaml(
    path: Path, display_name: str, max_bytes: int, cache_dir: Path | None = None
) -> YamlDocument:
    """Parse one YAML file; syntax errors become a located Problem, never a traceback.

    With `cache_dir`, the plain data of a file that parsed cleanly is kept there, keyed by
    the SHA-256 of its bytes: a restart then reads it back instead of parsing (most of the
    start-up's time went to parsing the same files again). The marked tree, for locating
    problems, is still parsed from the text when one is found.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogueInvalid(
            [
                Problem(
                    display_name,
                    None,
                    "",
                    f"cannot read the file: {exc.strerror}",
                    "check that the file exists and is readable",
                    "unreadable",
                )
            ]
        ) from None
    if size > max_bytes:
        raise CatalogueInvalid(
            [
                Problem(
                    display_name,
                    None,
                    "",
                    f"the file is {size} bytes, over the limit of {max_bytes}",
                    "split it or raise PARCOURS_MAX_YAML_BYTES",
                    "too_large",
                )
            ]
        )
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueInvalid(
            [
                Problem(
                    display_name,
                    None,
                    "",
                    f"not valid UTF-8 (byte {exc.start})",
                    "save the file as UTF-8",
                    "encoding",
                )
            ]
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    hit, data = _cached(cache_dir, display_name, digest)
    if hit:
        return YamlDocument(display_name, data, text)
    problem = _shape_problem(text, display_name)
    if problem is not None:
        raise CatalogueInvalid([problem])
    try:
        data = plain(YAML(typ="safe", pure=False).load(text))
        _remember(cache_dir, display_name, digest, data)
        return YamlDocument(display_name, data, text)
    except YAMLError:
        pass  # the round-trip loader below says where and why, with the curator's line
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise CatalogueInvalid(
            [
                Problem(
                    display_name,
                    line,
                    "",
                    f"duplicate key: {exc.problem}",
                    "each key may appear once in a mapping; remove or rename one",
                    "duplicate_key",
                )
            ]
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise CatalogueInvalid(
            [
                Problem(
                    display_name,
                    line,
                    "",
                    f"YAML syntax error: {message}",
                    "check indentation and quoting around this line",
                    "yaml_syntax",
                )
            ]
        ) from None
    except YAMLError as exc:
        raise CatalogueInvalid(
            [Problem(display_name, None, "", f"YAML error: {exc}", None, "yaml_syntax")]
        ) from None
    return YamlDocument(display_name, plain(tree), text, tree)
