"""Gate + reference against the Khronos test cases and the real-world corpus.

The verdict (any error or none) of `validate_file` must be the one of the report the Khronos
glTF-Validator expects for each case, and every corpus model must be accepted. Run with -s to
see the tables.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from parcours.gltf import gate, reference
from parcours.gltf.report import ERROR, Report
from parcours.gltf.validate import validate_file

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "gltf-validator-cases"
CORPUS = SHARED / "gltf-corpus"

pytestmark = [
    pytest.mark.skipif(not CASES.is_dir() or not CORPUS.is_dir(), reason=f"{SHARED} is absent"),
    pytest.mark.skipif(
        shutil.which("node") is None
        or not (reference.NODE_MODULES / "gltf-validator" / "package.json").is_file(),
        reason="node or the gltf-validator package is missing (run `bash scripts/test`)",
    ),
]

# Two documented choices make these agree (see docs/models.md):
# - buffer/non_relative_uri.gltf: the gate notes the unused http:// buffer (never fetched) and
#   drops the IO_ERROR the JS validator raises for it, as the Khronos CLI skips such URIs;
# - MESH_PRIMITIVE_NO_TANGENT_SPACE is a warning for us (viewers derive tangents), which lets
#   Khronos' own ClearCoatTest and TextureTransformMultiTest samples through.
CONTAINER_CASES = ("glb/", "json/")


@dataclass(frozen=True)
class Case:
    name: str
    expected: dict[str, Any]  # the `issues` object of the expected report
    report: Report

    @property
    def expected_errors(self) -> set[str]:
        return {m["code"] for m in self.expected["messages"] if m["severity"] == ERROR}

    @property
    def ours(self) -> set[str]:
        return {m.code for m in self.report.errors()}

    @property
    def agrees(self) -> bool:
        return (self.expected["numErrors"] > 0) == (not self.report.ok)

    def codes_note(self) -> str:
        if not self.expected_errors or self.report.ok:
            return ""
        missing, extra = self.expected_errors - self.ours, self.ours - self.expected_errors
        if not missing:
            return "same codes" if not extra else f"same codes + {', '.join(sorted(extra))}"
        return f"missing {', '.join(sorted(missing))}; ours {', '.join(sorted(self.ours))}"


def case_files() -> list[tuple[str, Path, Path]]:
    found = []
    for expected in sorted(CASES.rglob("*.report.json")):
        entry = expected.with_name(expected.name.removesuffix(".report.json"))
        found.append((entry.relative_to(CASES).as_posix(), entry, expected))
    return found


def corpus_files() -> list[Path]:
    return sorted(
        path
        for path in CORPUS.rglob("*")
        if path.suffix.lower() in {".gltf", ".glb"}
        and "LICENSES" not in path.relative_to(CORPUS).parts
    )


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return [
        Case(name, json.loads(expected.read_text(encoding="utf-8"))["issues"], validate_file(entry))
        for name, entry, expected in case_files()
    ]


def test_the_shared_folders_hold_what_we_expect() -> None:
    assert len(case_files()) == 66
    assert len(corpus_files()) == 49


def test_verdicts_agree_with_the_khronos_reports(cases: list[Case]) -> None:
    width = max(len(c.name) for c in cases)
    print(f"\n{'case':<{width}}  expected  ours  agree  error codes")
    for case in cases:
        agree = "yes" if case.agrees else "NO"
        print(
            f"{case.name:<{width}}  {case.expected['numErrors']:>8}  "
            f"{case.report.num_errors:>4}  {agree:<5}  {case.codes_note()}"
        )
    agreeing = sum(c.agrees for c in cases)
    refused = sum(c.expected["numErrors"] > 0 for c in cases)
    print(
        f"agreement: {agreeing}/{len(cases)} verdicts "
        f"({refused} cases expected refused, {len(cases) - refused} accepted)"
    )
    disagreeing = {c.name: c.report.summary() for c in cases if not c.agrees}
    assert disagreeing == {}, "\n".join(disagreeing.values())


def test_gate_alone_never_refuses_a_valid_case() -> None:
    refused = {}
    for name, entry, expected in case_files():
        issues = json.loads(expected.read_text(encoding="utf-8"))["issues"]
        report = gate.check(entry, gate.GateLimits())
        if issues["numErrors"] == 0 and not report.ok:
            refused[name] = report.summary()
    assert refused == {}, "\n".join(refused.values())


@pytest.mark.parametrize(
    "name",
    [name for name, _, _ in case_files() if name.startswith(CONTAINER_CASES)]
    if CASES.is_dir()
    else [],
)
def test_gate_gives_the_khronos_codes_for_container_errors(name: str) -> None:
    entry = CASES / name
    issues = json.loads(Path(f"{entry}.report.json").read_text(encoding="utf-8"))["issues"]
    report = gate.check(entry, gate.GateLimits())
    expected = {m["code"] for m in issues["messages"] if m["severity"] == ERROR}
    assert {m.code for m in report.errors()} == expected
    assert report.num_errors == issues["numErrors"]


def test_every_corpus_model_is_accepted() -> None:
    refused: dict[str, Report] = {}
    files = corpus_files()
    width = max(len(p.relative_to(CORPUS).as_posix()) for p in files)
    print(f"\n{'corpus file':<{width}}  errors  warnings  error codes")
    for path in files:
        report = validate_file(path)
        name = path.relative_to(CORPUS).as_posix()
        codes = ", ".join(sorted({m.code for m in report.errors()}))
        print(f"{name:<{width}}  {report.num_errors:>6}  {report.count(1):>8}  {codes}")
        if not report.ok:
            refused[name] = report
    print(f"accepted: {len(files) - len(refused)}/{len(files)}")
    assert {n: r.summary() for n, r in refused.items()} == {}
