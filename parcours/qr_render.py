"""Drawing and writing the signs of parcours.qr: QR images (PNG, SVG) and the A4 PDF.

Kept apart from the planning of signs (parcours.qr) so that what a sign says can be tested as
text, and what it looks like changed without touching it.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from parcours.qr import FOOTER, FORMATS, QrError, Sign, Summary, plan_signs, select
from parcours.snapshot import Snapshot

#: DejaVu covers ’ œ – é; the PDF core fonts cannot print them.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_PACKAGE = "fonts-dejavu-core"  # the Debian package of FONT_DIR

QR_MM, QR_MIN_MM = 85.0, 80.0  # printed size of the code, quiet zone not counted
QUIET_ZONE = 4  # modules, as the QR standard asks
PNG_MIN_PX = 600
MARGIN_MM = 15.0
PT_MM = 25.4 / 72
SVG_STYLE = {"border": QUIET_ZONE, "dark": "#000", "light": "#fff", "xmldecl": False}
FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)  # or $SOURCE_DATE_EPOCH: reruns, same bytes


def make_qr(url: str) -> segno.QRCode:
    """Error correction M at the least (segno raises it when that costs no size)."""
    return segno.make_qr(url, error="m", boost_error=True)


def png_bytes(qr: segno.QRCode) -> bytes:
    width, _ = qr.symbol_size(scale=1, border=QUIET_ZONE)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=-(-PNG_MIN_PX // width), border=QUIET_ZONE, light="#fff")
    return out.getvalue()


def svg_bytes(qr: segno.QRCode) -> bytes:
    """Vector, sized in millimetres as on the sign, with an opaque quiet zone."""
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=QR_MM / (qr.symbol_size(border=0)[0]), unit="mm", **SVG_STYLE)
    return out.getvalue()


def font_paths() -> dict[str, Path]:
    paths = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise QrError(
            f"font not found: {', '.join(missing)} (the PDF needs DejaVu Sans for ’, œ, é…)",
            f"install the Debian package {FONT_PACKAGE}: apt-get install {FONT_PACKAGE}; "
            "or write only images with --formats png,svg",
        )
    return paths


def creation_date() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else FIXED_DATE


def pdf_bytes(sign: Sign, qr: segno.QRCode, fonts: dict[str, Path]) -> bytes:
    """One A4 page: names on top, the code in the middle, invitations and footer below.

    Titles shrink until everything fits, so a long name wraps but never runs off the page.
    """
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(creation_date())
    pdf.set_title(f"{sign.code} — {sign.headings[0].title}")
    pdf.set_creator("parcours qr")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    for style, path in fonts.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.add_page()
    footer_top = pdf.h - MARGIN_MM - 8
    zone = qr.symbol_size(border=QUIET_ZONE)[0] / qr.symbol_size(border=0)[0]
    measure, draw = _Page(pdf, dry=True), _Page(pdf, dry=False)
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5):
        qr_mm = max(QR_MIN_MM, QR_MM * min(1.0, scale + 0.1)) * zone
        lower = measure.lower(sign, qr_mm)
        if MARGIN_MM + measure.headings(sign, scale) + lower + 8 <= footer_top:
            break
    pdf.set_xy(MARGIN_MM, MARGIN_MM)
    draw.headings(sign, scale)
    draw.gap((footer_top - pdf.get_y() - lower) / 2)
    draw.lower(sign, qr_mm, svg_bytes(qr))
    pdf.set_draw_color(150)
    pdf.line(MARGIN_MM, footer_top, pdf.w - MARGIN_MM, footer_top)
    pdf.set_y(footer_top + 2)
    draw.text(FOOTER, 9, color=80, center=True)
    return bytes(pdf.output())


class _Page:
    """Writes the blocks of a sign, or only measures them (dry), with the same code."""

    def __init__(self, pdf: FPDF, dry: bool) -> None:
        self.pdf, self.dry = pdf, dry
        self.flow: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT, "dry_run": dry}
        self.flow["output"] = MethodReturnValue.HEIGHT

    def text(
        self, text: str, pt: float, bold: bool = False, color: int = 0, center: bool = False
    ) -> float:
        """A paragraph across the page, wrapped at spaces; returns its height in mm."""
        pdf = self.pdf
        pdf.set_font("DejaVu", "B" if bold else "", pt)
        pdf.set_text_color(color)
        pdf.set_x(MARGIN_MM)
        align, line_mm = (Align.C if center else Align.L), pt * PT_MM * 1.25
        height = pdf.multi_cell(pdf.epw, line_mm, text, align=align, **self.flow)
        assert isinstance(height, float | int)
        return float(height)

    def gap(self, mm: float) -> float:
        if not self.dry:
            self.pdf.set_y(self.pdf.get_y() + mm)
        return mm

    def headings(self, sign: Sign, scale: float) -> float:
        """Per language: grey label, trail and stop number, bold title; French a bit larger."""
        total = 0.0
        for i, (labels, kicker, title) in enumerate(sign.grouped()):
            total += self.text(labels.upper(), 8.5, bold=True, color=110)
            if kicker:
                total += self.text(kicker, max(9.0, 12 * scale), color=40)
            total += self.text(title, (24 if i == 0 else 19) * scale, bold=True)
            total += self.gap(3.5 * scale + 1)
        if sign.commune:
            total += self.gap(1) + self.text(sign.commune, max(10.0, 14 * scale), color=60)
        return total

    def lower(self, sign: Sign, qr_mm: float, svg: bytes = b"") -> float:
        """The code (`qr_mm` with its quiet zone), its URL on one line and the invitations."""
        pdf = self.pdf
        if not self.dry:
            pdf.image(io.BytesIO(svg), x=(pdf.w - qr_mm) / 2, y=pdf.get_y(), w=qr_mm, h=qr_mm)
        total = self.gap(qr_mm + 1)
        pdf.set_font("DejaVu", "B", 15)
        url_pt = min(15, 15 * (pdf.epw - 3) / pdf.get_string_width(sign.short_url))
        total += self.text(sign.short_url, url_pt, bold=True, center=True) + self.gap(5)
        for sentence in sign.invitations:
            total += self.text(sentence, 11.5, color=20, center=True) + self.gap(1)
        return total


def write_atomic(path: Path, data: bytes) -> None:
    """A reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(name).chmod(0o644)
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_signs(
    snapshot: Snapshot,
    base_url: str,
    out: Path,
    only: Iterable[str] = (),
    formats: Sequence[str] = FORMATS,
) -> Summary:
    """Write the chosen signs' files and an index.csv of every code into `out`.

    A full run also removes the files of codes that no longer exist (a renamed trail), so
    the folder is exactly the lot to print; a run with `only` touches nothing else.
    """
    only = list(only)
    every = plan_signs(snapshot, base_url)
    signs = select(snapshot, every, only)
    fonts = font_paths() if "pdf" in formats else {}
    files = 0
    for sign in signs:
        qr = make_qr(sign.url)
        svg = svg_bytes(qr)
        for kind in formats:
            data = svg if kind == "svg" else png_bytes(qr) if kind == "png" else b""
            data = data or pdf_bytes(sign, qr, fonts)
            write_atomic(out / sign.folder / f"{sign.code}.{kind}", data)
            files += 1
    removed = 0 if only else _remove_stale(out, every)
    write_atomic(out / "index.csv", index_csv(every, out))
    sites = sum(sign.kind == "site" for sign in signs)
    return Summary(sites, len(signs) - sites, files, removed)


def _remove_stale(out: Path, signs: list[Sign]) -> int:
    known = {f"{sign.folder}/{sign.code}.{kind}" for sign in signs for kind in FORMATS}
    found = sorted([*out.glob("sites/*.*"), *out.glob("stops/*.*")])
    stale = [
        p for p in found if p.suffix[1:] in FORMATS and p.relative_to(out).as_posix() not in known
    ]
    for path in stale:
        path.unlink()
    return len(stale)


def index_csv(signs: list[Sign], out: Path) -> bytes:
    """Every code with its target, URL, French title and the files now in the folder."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "kind", "target", "url", "title", "files"])
    for sign in signs:
        names = [f"{sign.folder}/{sign.code}.{kind}" for kind in FORMATS]
        present = [name for name in names if (out / name).is_file()]
        title = " : ".join(filter(None, [sign.headings[0].kicker, sign.headings[0].title]))
        writer.writerow([sign.code, sign.kind, sign.target_id, sign.url, title, " ".join(present)])
    return text.getvalue().encode("utf-8")
