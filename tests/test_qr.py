"""`parcours qr`: codes that decode to the right URL, one-page A4 signs, safe writing."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from parcours import qr, qr_render
from parcours.cli import main
from parcours.shortcodes import site_code, stop_code
from parcours.snapshot import Snapshot

BASE = "https://parcours.example.org"
SOME = ["8m", "15p", "arenberg-2", "jules-mousseron-5"]
A4_MEDIABOX = b"/MediaBox [0 0 595.28 841.89]"


@pytest.fixture(scope="module")
def written(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qr")
    qr_render.write_signs(snapshot, BASE, out, only=SOME)
    return out


def zbar(path: Path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg not on PATH: apt-get install zbar-tools to decode the codes")
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("code", SOME)
def test_png_decodes_to_the_short_url(written: Path, code: str) -> None:
    folder = "sites" if "-" not in code else "stops"
    png = written / folder / f"{code}.png"
    assert zbar(png) == f"{BASE}/s/{code}"
    width = int.from_bytes(png.read_bytes()[16:20], "big")
    assert width >= 600


def test_the_printed_pdf_decodes_too(written: Path, tmp_path: Path) -> None:
    """What reaches the paper: the PDF rendered as a printer would, then scanned."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not on PATH: apt-get install poppler-utils to render the PDF")
    pdf = written / "stops" / "jules-mousseron-5.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(tmp_path / "page")], check=True)
    assert zbar(next(tmp_path.glob("page*.png"))) == f"{BASE}/s/jules-mousseron-5"


def test_svg_is_a_vector_of_at_least_80_mm(written: Path) -> None:
    svg = (written / "sites" / "8m.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "#fff" in svg  # an opaque quiet zone
    width = float(re.search(r'width="([0-9.]+)mm"', svg).group(1))  # type: ignore[union-attr]
    assert width >= 80


def test_pdf_is_one_a4_page(written: Path) -> None:
    data = (written / "sites" / "8m.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert A4_MEDIABOX in data
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    stamp = qr_render.creation_date().strftime("%Y%m%d%H%M%S").encode()
    assert b"/CreationDate (D:" + stamp in data  # fixed, so that reruns match


def test_pdf_text_holds_the_four_names(written: Path, snapshot: Snapshot) -> None:
    """fpdf2 subsets the font, so the text is read back with pdftotext when it is there."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not on PATH: apt-get install poppler-utils")
    result = subprocess.run(
        ["pdftotext", str(written / "stops" / "arenberg-2.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(result.stdout.split())
    for label in ("FRANÇAIS", "ENGLISH", "NEDERLANDS", "DEUTSCH"):
        assert label in text
    for lang in qr.LANGUAGES:
        title = snapshot.trails.documents[lang]["arenberg"]["title"]["text"]
        assert f"{title} — {qr.STOP_WORDS[lang]} 2" in text
    assert "parcours.example.org/s/arenberg-2" in text
    assert "Patrimoine mondial de l’UNESCO" in text


def test_sign_lines_name_the_site_in_four_languages(snapshot: Snapshot) -> None:
    signs = {s.code: s for s in qr.plan_signs(snapshot, BASE)}
    site = next(s for s in snapshot.sites if site_code(s) == "8m")
    lines = signs["8m"].lines()
    for lang, label in qr.LANGUAGE_LABELS.items():
        assert any(label in line for line in lines)
        assert snapshot.texts[lang][site.id].name.text in lines
    # a name that is the same in the four languages is printed once, under four labels
    assert lines.count(site.name) == 1
    assert lines[0] == "Français · English · Nederlands · Deutsch"
    assert site.commune in lines[2]
    assert "parcours.example.org/s/8m" in lines
    assert "Scannez pour visiter en 3D et écouter l’histoire du lieu" in lines
    assert lines[-1] == qr.FOOTER


def test_stop_sign_has_trail_number_and_title(snapshot: Snapshot) -> None:
    sign = next(s for s in qr.plan_signs(snapshot, BASE) if s.code == "jules-mousseron-5")
    doc = snapshot.trails.documents["en"]["jules-mousseron"]
    english = sign.headings[1]
    assert english.kicker == f"{doc['title']['text']} — Stop 5"
    assert english.title == doc["stops"][4]["title"]["text"]


def test_every_site_and_stop_has_one_unique_code(snapshot: Snapshot) -> None:
    signs = qr.plan_signs(snapshot, BASE)
    codes = [s.code for s in signs]
    assert len(codes) == len(set(codes))
    assert {site_code(s) for s in snapshot.sites} <= set(codes)
    assert sum(s.kind == "site" for s in signs) == len(snapshot.sites) == 53
    stops = {
        stop_code(trail_id, i)
        for trail_id, resolved in snapshot.trails.resolved.items()
        for i in range(len(resolved.trail.stops))
    }
    assert stops == {s.code for s in signs if s.kind == "stop"}
    # each code is one the server resolves to the same place
    for sign in signs:
        assert snapshot.codes[sign.code] == sign.target


def test_only_takes_codes_in_any_case_and_full_site_ids(snapshot: Snapshot) -> None:
    signs = qr.plan_signs(snapshot, BASE)
    site = next(s for s in snapshot.sites if site_code(s) == "15p")
    chosen = qr.select(snapshot, signs, [site.id, "15P", " Arenberg-2 "])
    assert [s.code for s in chosen] == ["15p", "arenberg-2"]


def test_index_lists_every_code_and_the_files_written(written: Path, snapshot: Snapshot) -> None:
    with (written / "index.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [*rows[0]] == ["code", "kind", "target", "url", "title", "files"]
    assert len(rows) == len(qr.plan_signs(snapshot, BASE))
    by_code = {row["code"]: row for row in rows}
    assert by_code["8m"]["files"] == "sites/8m.png sites/8m.svg sites/8m.pdf"
    assert by_code["8m"]["url"] == f"{BASE}/s/8m"
    assert by_code["arenberg-2"]["kind"] == "stop"
    assert by_code["arenberg-2"]["target"].startswith("arenberg/")
    assert by_code["8n"]["files"] == ""  # not asked for with --only


def test_reruns_give_identical_bytes(snapshot: Snapshot, tmp_path: Path) -> None:
    for name in ("a", "b"):
        qr_render.write_signs(snapshot, BASE, tmp_path / name, only=["8m", "denain-1712-1"])
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files) == 7
    for path in files:
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes(), path


def test_formats_and_stale_files(snapshot: Snapshot, tmp_path: Path) -> None:
    stale = tmp_path / "stops" / "old-trail-1.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    qr_render.write_signs(snapshot, BASE, tmp_path, only=["15p"], formats=("svg",))
    assert stale.exists()  # --only touches nothing else
    assert [p.name for p in (tmp_path / "sites").iterdir()] == ["15p.svg"]
    summary = qr_render.write_signs(snapshot, BASE, tmp_path, formats=qr.parse_formats("png"))
    assert not stale.exists() and summary.removed == 1
    assert summary.files == summary.sites + summary.stops == 130
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize(
    "url",
    [
        "parcours.example.org",
        "ftp://parcours.example.org",
        "https://",
        "https://x.org/?a=1",
        "https://x.org/#top",
        "https://x.org:99999",
        "https://user:pw@x.org",
        "https://x .org",
    ],
)
def test_bad_base_url_is_refused(url: str) -> None:
    with pytest.raises(qr.QrError) as caught:
        qr.normalize_base_url(url)
    assert "--base-url" in caught.value.hint


def test_base_url_is_normalized() -> None:
    assert qr.normalize_base_url(" https://x.org/parcours/ ") == "https://x.org/parcours"


def test_cli_bad_base_url_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["qr", "--base-url", "ftp://x.org", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "base URL 'ftp://x.org'" in err and "hint:" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_cli_without_base_url_says_how(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARCOURS_PUBLIC_URL", raising=False)
    assert main(["qr"]) == 2
    assert "--base-url" in capsys.readouterr().err


def test_cli_unknown_code_suggests(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["qr", "--base-url", BASE, "--out", str(tmp_path), "--only", "arenburg-2"]) == 2
    err = capsys.readouterr().err
    assert "unknown code 'arenburg-2'; did you mean 'arenberg-2'" in err
    assert main(["qr", "--base-url", BASE, "--out", str(tmp_path), "--only", "unknown"]) == 2
    assert "unknown code 'unknown'" in capsys.readouterr().err


def test_cli_bad_format_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qr", "--base-url", BASE, "--formats", "png,jpg"]) == 2
    assert "unknown format 'jpg'" in capsys.readouterr().err


def test_cli_writes_and_summarizes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PARCOURS_PUBLIC_URL", BASE + "/")
    out = tmp_path / "signs"
    assert main(["qr", "--out", str(out), "--only", "8M", "--formats", "png,pdf"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("wrote 2 files (1 sites, 0 stops; png,pdf) and index.csv to ")
    assert "\n" not in line
    assert zbar(out / "sites" / "8m.png") == f"{BASE}/s/8m"


def test_missing_font_names_the_debian_package(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(qr_render, "FONT_DIR", tmp_path / "no-fonts")
    assert main(["qr", "--base-url", BASE, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "DejaVuSans.ttf" in err and "fonts-dejavu-core" in err
    assert not (tmp_path / "out").exists()


def test_default_out_is_under_the_build_folder(content_root: Path) -> None:
    args = ["qr", "--root", str(content_root), "--base-url", BASE, "--only", "8m"]
    assert main([*args, "--formats", "svg"]) == 0
    assert (content_root / ".build" / "qr" / "sites" / "8m.svg").is_file()
    assert (content_root / ".build" / "qr" / "index.csv").is_file()
