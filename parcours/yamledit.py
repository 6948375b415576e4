"""Editing curators' YAML without disturbing what they wrote around the change.

ruamel.yaml keeps comments, key order and block styles, but re-emitting a whole file re-flows
every long line that a person or another tool folded. So a change to one site replaces only
that site's lines in `site_catalog.yaml`: every other byte of the file stays as it was. Whole
documents (a trail file) are re-emitted with a wide line so nothing gets folded.

Every splice is checked by parsing the result and comparing it with the intended data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from parcours.errors import ParcoursError

#: Ids of sites, trails and assets (the same rule as the models' Slug).
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WIDTH = 4096  # never fold: a folded line is a change the curator did not make


class Unwritable(ParcoursError):
    """The change would not read back as sent (a U+0085 line break in a text, for one)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            message=f"the change to '{key}' would not read back from YAML as it was sent "
            "(a control character such as U+0085 in a text?); nothing was changed",
            code="unwritable",
            status=422,
        )


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = WIDTH
    return yaml


def load(text: str) -> Any:
    return _yaml().load(text)


def dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def plain(node: Any) -> Any:
    """ruamel's commented nodes as plain dicts, lists and scalars (for JSON and hashing)."""
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch applied in place to ruamel nodes (keeps comments and order)."""
    if not isinstance(patch, Mapping):
        return patch
    if not isinstance(target, CommentedMap):
        target = CommentedMap()
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping):
            target[key] = merge_patch(target.get(key), value)
        else:
            target[key] = value
    return target


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _item_spans(lines: list[str], seq: CommentedSeq) -> list[tuple[int, int]]:
    """(first line, end line) of each item: comments and blank lines before the next item
    belong to the gap, not to the item."""
    starts = [seq.lc.item(i)[0] for i in range(len(seq))]
    spans = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        while end > start + 1 and _is_filler(lines[end - 1]):
            end -= 1
        spans.append((start, end))
    return spans


def _item_text(key: str, item: Any) -> list[str]:
    """The item as it would appear in the list `key` at the top of a document."""
    holder = CommentedMap()
    holder[key] = CommentedSeq([item])
    lines = dump(holder).splitlines(keepends=True)[1:]
    while lines and _is_filler(lines[-1]):
        lines.pop()
    return lines


def splice_item(text: str, key: str, index: int, item: Any | None) -> str:
    """`text` with item `index` of the top-level list `key` replaced (None: removed)."""
    document = load(text)
    lines = text.splitlines(keepends=True)
    start, end = _item_spans(lines, document[key])[index]
    new = [] if item is None else _item_text(key, item)
    if item is None:
        # Remove the item and the gap before it, so no double blank line remains.
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    result = "".join(lines[:start] + new + lines[end:])
    expected = plain(document[key])
    if item is None:
        del expected[index]
    else:
        expected[index] = plain(item)
    _check(result, key, expected)
    return result


def append_item(text: str, key: str, item: Any) -> str:
    """`text` with `item` added at the end of the top-level list `key` (the file's last key)."""
    document = load(text)
    if list(document)[-1] != key:
        raise ValueError(f"'{key}' must be the last key of the document to append to it")
    body = text if text.endswith("\n") else text + "\n"
    result = body + "\n" + "".join(_item_text(key, item))
    _check(result, key, [*plain(document[key]), plain(item)])
    return result


def _check(result: str, key: str, expected: list[Any]) -> None:
    got = plain(load(result)[key])
    if got != expected:
        raise Unwritable(key)
