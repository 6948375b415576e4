"""The Khronos reference runner: real reports, and every way it can fail counted as a refusal."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from parcours.gltf import reference
from parcours.gltf.reference import FAILED, TRUNCATED, run_reference
from parcours.gltf.report import ERROR, Message

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "gltf-validator-cases"
CORPUS = SHARED / "gltf-corpus"

needs_node = pytest.mark.skipif(
    shutil.which("node") is None
    or not (reference.NODE_MODULES / "gltf-validator" / "package.json").is_file(),
    reason="node or the gltf-validator package is missing (run `bash scripts/test` or `npm ci`)",
)


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (shared/ is expected beside the clone)")
    return path


def errors(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.severity == ERROR]


def the_failure(messages: list[Message]) -> Message:
    """The single PARCOURS_REFERENCE_FAILED error a failed run must come down to."""
    assert len(messages) == 1, messages
    (message,) = messages
    assert message.code == FAILED
    assert message.severity == ERROR
    assert message.source == "khronos"
    return message


def fake_command(monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    monkeypatch.setattr(reference, "command", lambda path, memory_mb: list(argv))


def write_gltf(folder: Path, buffer_uri: str, byte_length: int = 4) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.gltf"
    document = {
        "asset": {"version": "2.0"},
        "buffers": [{"uri": buffer_uri, "byteLength": byte_length}],
        "bufferViews": [{"buffer": 0, "byteLength": byte_length}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def buffer_resource(info: dict[str, Any]) -> dict[str, Any]:
    resources = info.get("resources") or []
    return next(r for r in resources if r.get("pointer") == "/buffers/0")


# Real runs of the reference validator.


@needs_node
def test_valid_glb_has_no_errors() -> None:
    messages, info = run_reference(shared(CORPUS / "Box" / "glTF-Binary" / "Box.glb"))
    assert errors(messages) == []
    assert all(m.source == "khronos" for m in messages)
    assert info["version"] == "2.0"
    assert info["validatorVersion"].startswith("2.0.0")


@needs_node
@pytest.mark.parametrize(
    "case",
    [
        "accessor_data/invalid_elements_float.gltf",
        "mesh_data/index_buffer_oob.gltf",
        "node/node_loop.gltf",
        "glb/invalid_magic.glb",
        "image/not_found.gltf",
    ],
)
def test_error_codes_match_the_expected_report(case: str) -> None:
    path = shared(CASES / case)
    expected = json.loads(Path(f"{path}.report.json").read_text(encoding="utf-8"))["issues"]
    messages, _ = run_reference(path)
    assert len(errors(messages)) == expected["numErrors"]
    assert {m.code for m in errors(messages)} == {
        m["code"] for m in expected["messages"] if m["severity"] == ERROR
    }


@needs_node
def test_external_resources_beside_the_file_are_read(tmp_path: Path) -> None:
    (tmp_path / "asset" / "data.bin").parent.mkdir()
    (tmp_path / "asset" / "data.bin").write_bytes(b"\0" * 4)
    messages, info = run_reference(write_gltf(tmp_path / "asset", "data.bin"))
    assert errors(messages) == []
    assert buffer_resource(info)["byteLength"] == 4


@needs_node
@pytest.mark.parametrize(
    "uri",
    ["../secret", "%2E%2E/secret", "sub/../../secret", "..%2Fsecret", "..\\secret", "{absolute}"],
)
def test_resources_outside_the_folder_are_refused_unread(tmp_path: Path, uri: str) -> None:
    # The "secret" is a FIFO: opening it would block the validator until the timeout, so an
    # IO_ERROR report (rather than PARCOURS_REFERENCE_FAILED) proves it was never opened.
    secret = tmp_path / "secret"
    os.mkfifo(secret)
    (tmp_path / "asset" / "sub").mkdir(parents=True)
    path = write_gltf(tmp_path / "asset", uri.format(absolute=secret))
    messages, info = run_reference(path, timeout_s=20)
    assert [(m.code, m.pointer) for m in errors(messages)] == [("IO_ERROR", "/buffers/0/uri")]
    assert "refused external resource" in errors(messages)[0].message
    assert "byteLength" not in buffer_resource(info)


@needs_node
@pytest.mark.parametrize("uri", ["/etc/hostname", "file:///etc/hostname", "/etc/passwd"])
def test_absolute_and_scheme_uris_are_refused(tmp_path: Path, uri: str) -> None:
    messages, info = run_reference(write_gltf(tmp_path, uri))
    assert [m.code for m in errors(messages)] == ["IO_ERROR"]
    assert "refused external resource" in errors(messages)[0].message
    assert "byteLength" not in buffer_resource(info)


@needs_node
def test_links_leading_outside_the_folder_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    os.mkfifo(secret)
    (tmp_path / "asset").mkdir()
    (tmp_path / "asset" / "data.bin").symlink_to(secret)
    messages, _ = run_reference(write_gltf(tmp_path / "asset", "data.bin"), timeout_s=20)
    assert [m.code for m in errors(messages)] == ["IO_ERROR"]
    assert "outside the folder" in errors(messages)[0].message


@needs_node
def test_a_truncated_report_is_a_refusal(tmp_path: Path) -> None:
    # 1200 unused samplers fill the 1000 issues before the missing image is ever looked at.
    path = tmp_path / "many.gltf"
    document = {
        "asset": {"version": "2.0"},
        "samplers": [{} for _ in range(1200)],
        "images": [{"uri": "missing.png"}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    messages, _ = run_reference(path)
    assert [m.code for m in errors(messages)] == [TRUNCATED]


@needs_node
def test_a_stack_overflow_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "deep.gltf"
    depth = 200_000
    path.write_text(
        '{"asset":{"version":"2.0"},"extras":' + "[" * depth + "]" * depth + "}",
        encoding="utf-8",
    )
    message = the_failure(run_reference(path)[0])
    assert "Maximum call stack size exceeded" in message.message


@needs_node
def test_an_undetectable_format_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"hello")
    assert "exit code 2" in the_failure(run_reference(path)[0]).message


# Failures, simulated.


def test_timeout_kills_the_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_command(monkeypatch, "sleep", "30")
    messages, info = run_reference(Path("model.glb"), timeout_s=0.5)
    assert "no answer within 0.5 s" in the_failure(messages).message
    assert info == {}


@needs_node
def test_a_tiny_timeout_on_a_real_file_is_a_failure() -> None:
    path = shared(CORPUS / "GlamVelvetSofa" / "glTF-Binary" / "GlamVelvetSofa.glb")
    assert "no answer within" in the_failure(run_reference(path, timeout_s=0.01)[0]).message


def test_cpu_limit_kills_a_busy_child() -> None:
    busy = [sys.executable, "-c", "while True: pass"]
    code, _, _ = reference.run_bounded(busy, 30, reference.limiter(1, 256))
    assert code < 0
    assert "CPU time" in reference.exit_reason(code, b"")


def test_memory_limit_stops_a_greedy_child() -> None:
    # RLIMIT_DATA = memory_mb + OFF_HEAP_MB: 64 + 512 MiB here, so 1 GiB cannot be had.
    greedy = [sys.executable, "-c", "b = bytearray(1024 ** 3); b[-1] = 1"]
    code, _, stderr = reference.run_bounded(greedy, 30, reference.limiter(30, 64))
    assert code != 0
    assert b"MemoryError" in stderr


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import sys; sys.exit(1)", "exit code 1"),
        ("import sys; print('boom', file=sys.stderr); sys.exit(3)", "exit code 3: boom"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "SIGSEGV"),
        ("print('this is not JSON')", "unreadable report"),
        ("print('[1, 2]')", "unreadable report"),
        ('print(\'{"issues": {"messages": 3}}\')', "unreadable report"),
        (
            'print(\'{"issues": {"numErrors": 2, "messages": []}}\')',
            "numErrors 2 does not match",
        ),
        ('print(\'{"issues": {"messages": [{"severity": "bad"}]}}\')', "unreadable report"),
        ("import sys; sys.stdout.write('x' * (9 * 1024 * 1024))", "bytes of output"),
    ],
)
def test_crashes_and_junk_are_failures(
    monkeypatch: pytest.MonkeyPatch, script: str, expected: str
) -> None:
    fake_command(monkeypatch, sys.executable, "-c", script)
    messages, info = run_reference(Path("model.glb"))
    assert expected in the_failure(messages).message
    assert info == {}


def test_an_empty_report_with_no_messages_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    report = {"issues": {"numErrors": 0, "messages": []}, "info": {"version": "2.0"}}
    fake_command(monkeypatch, sys.executable, "-c", f"print({json.dumps(json.dumps(report))})")
    assert run_reference(Path("model.glb")) == ([], {"version": "2.0"})


def test_missing_node_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference.shutil, "which", lambda name: None)
    assert "`node` is not on PATH" in the_failure(run_reference(Path("model.glb"))[0]).message


def test_missing_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    monkeypatch.setattr(reference, "NODE_MODULES", tmp_path)
    message = the_failure(run_reference(Path("model.glb"))[0]).message
    assert "bash scripts/test" in message
    assert "npm ci" in message


def test_node_that_cannot_start_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_command(monkeypatch, "/nonexistent/node")
    assert "cannot start node" in the_failure(run_reference(Path("model.glb"))[0]).message


def test_stack_size_fits_the_os_stack() -> None:
    assert 256 <= reference.stack_size_kb() <= reference.MAX_STACK_KB
