"""Translators change locales/ through the API: one text, coverage, PO download and upload."""

from __future__ import annotations

import difflib
import io
import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.testclient import TestClient

from parcours.cli import main
from parcours.i18n import po_edit
from tests.conftest import auth, edit_site

SITE = "caph-8n-cite-lagrange"
CONTEXT = f"site/{SITE}/summary"
EN_CONTENT = Path("locales/en/LC_MESSAGES/content.po")
EN_MESSAGES = Path("locales/en/LC_MESSAGES/messages.po")
JSON = {"content-type": "application/json"}
PO = {"content-type": "text/x-gettext-translation"}
NEXT_STOP = "Prochaine étape : %(title)s, à %(distance)s, direction %(direction)s."


def french(client: TestClient, token: str, field: str = "summary") -> str:
    answer = client.get(f"/api/sites/{SITE}/source", headers=auth(token))
    text: str = answer.json()[field]
    return text.strip()


def put(client: TestClient, token: str, context: str, source: str, text: object) -> object:
    return client.put(
        f"/api/translations/en/{context}",
        headers=auth(token, **JSON),
        content=json.dumps({"source": source, "text": text}),
    )


def served(client: TestClient, lang: str = "en") -> dict[str, str]:
    summary: dict[str, str] = client.get(f"/api/sites/{SITE}?lang={lang}").json()["summary"]
    return summary


def entry(root: Path, key: tuple[str | None, str], path: Path = EN_CONTENT) -> po_edit.Entry:
    return po_edit.messages((root / path).read_text(encoding="utf-8"))[key]


# --- One translation -------------------------------------------------------------------------


def test_a_translation_is_saved_and_served_at_once(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    catalogue = content_root / EN_CONTENT
    before = catalogue.read_text(encoding="utf-8")
    source = french(app_client, tokens["translator"])
    text = "Raismes garden city: semi-detached houses with gardens."
    answer = put(app_client, tokens["translator"], CONTEXT, source, text)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert answer.json()["data"]["text"] == text  # type: ignore[attr-defined]
    assert served(app_client) == {"text": text, "lang": "en"}
    after = catalogue.read_text(encoding="utf-8")
    # Only the msgstr lines of that entry changed; every other byte is as it was.
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert f'+msgstr "{text}"' in changed
    assert all(line.startswith(("-msgstr", '-"', "+msgstr")) for line in changed), changed
    # Audited, with its revision kept.
    entries = app_client.get("/api/audit", headers=auth(tokens["admin"])).json()["entries"]
    assert entries[-1]["entity"] == f"translation/en/{CONTEXT}"
    assert entries[-1]["user"] == "translator-1"
    # The same text again changes nothing.
    again = put(app_client, tokens["translator"], CONTEXT, source, text)
    assert again.json()["unchanged"] is True  # type: ignore[attr-defined]


def test_a_translation_of_an_old_french_text_is_409(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    current = french(app_client, tokens["translator"])
    before = (content_root / EN_CONTENT).read_bytes()
    answer = put(app_client, tokens["translator"], CONTEXT, "Un ancien texte.", "An old text.")
    assert answer.status_code == 409  # type: ignore[attr-defined]
    details = answer.json()["error"]["details"]  # type: ignore[attr-defined]
    assert details["current"] == current and details["yours"] == "Un ancien texte."
    assert (content_root / EN_CONTENT).read_bytes() == before


def test_french_changed_then_translated_again(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    old = french(app_client, tokens["curator"])
    source = app_client.get(f"/api/sites/{SITE}/source", headers=auth(tokens["curator"]))
    new = "Cité-jardin de Raismes : maisons jumelées, jardins et rues courbes."
    patched = app_client.patch(
        f"/api/sites/{SITE}",
        headers=auth(
            tokens["curator"],
            **{"content-type": "application/merge-patch+json", "if-match": source.headers["etag"]},
        ),
        content=json.dumps({"summary": new}),
    )
    assert patched.status_code == 200, patched.text
    assert served(app_client)["lang"] == "fr"  # never the translation of the old text
    coverage = app_client.get("/api/translations/en/coverage", headers=auth(tokens["translator"]))
    stale = {e["context"]: e for e in coverage.json()["sites"]["stale"]}
    assert stale[CONTEXT]["reason"] == "source_changed"
    assert stale[CONTEXT]["previous_source"] == old and stale[CONTEXT]["source"] == new
    assert put(app_client, tokens["translator"], CONTEXT, old, "Old.").status_code == 409  # type: ignore[attr-defined]
    answer = put(app_client, tokens["translator"], CONTEXT, new, "Raismes garden city.")
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert served(app_client) == {"text": "Raismes garden city.", "lang": "en"}
    messages = po_edit.messages((content_root / EN_CONTENT).read_text(encoding="utf-8"))
    assert (CONTEXT, old) not in messages and messages[(CONTEXT, new)].strings == [
        "Raismes garden city."
    ]


def test_fuzzy_entry_is_stale_until_translated(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    source = french(app_client, tokens["translator"])
    path = content_root / EN_CONTENT
    text = path.read_text(encoding="utf-8")
    marker = f'msgctxt "{CONTEXT}"\n'
    assert text.count(marker) == 1
    path.write_text(
        text.replace(marker, '#, fuzzy\n#| msgid "Ancien résumé."\n' + marker), encoding="utf-8"
    )
    # A hand edit: the server was not watching, so read the coverage from the files.
    coverage = app_client.get("/api/translations/en/coverage", headers=auth(tokens["translator"]))
    stale = {e["context"]: e for e in coverage.json()["sites"]["stale"]}
    assert stale[CONTEXT]["reason"] == "fuzzy"
    assert stale[CONTEXT]["previous_source"] == "Ancien résumé."
    answer = put(app_client, tokens["translator"], CONTEXT, source, "Reviewed translation.")
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    after = path.read_text(encoding="utf-8")
    assert "Ancien résumé" not in after
    assert not entry(content_root, (CONTEXT, source)).fuzzy
    assert served(app_client) == {"text": "Reviewed translation.", "lang": "en"}


def test_empty_text_removes_the_translation(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    source = french(app_client, tokens["translator"])
    assert put(app_client, tokens["translator"], CONTEXT, source, "").status_code == 200  # type: ignore[attr-defined]
    assert served(app_client) == {"text": source, "lang": "fr"}
    assert entry(content_root, (CONTEXT, source)).strings == [""]


def test_interface_strings_placeholders_and_plurals(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    token = tokens["translator"]
    broken = put(app_client, token, "-", NEXT_STOP, "Next stop: %(title)s, %(distance)s away.")
    assert broken.status_code == 422  # type: ignore[attr-defined]
    problem = broken.json()["error"]["details"]["problems"][0]  # type: ignore[attr-defined]
    assert "%(direction)s" in problem["message"]
    fixed = "Next: %(title)s, %(distance)s away, heading %(direction)s."
    assert put(app_client, token, "-", NEXT_STOP, fixed).status_code == 200  # type: ignore[attr-defined]
    assert entry(content_root, (None, NEXT_STOP), EN_MESSAGES).strings == [fixed]
    # A message with plural forms takes one string per form.
    template = po_edit.messages((content_root / "locales/messages.pot").read_text("utf-8"))
    plural = next(e for e in template.values() if e.plural)
    assert put(app_client, token, "-", plural.msgid, "one form").status_code == 422  # type: ignore[attr-defined]
    forms = [plural.msgid.replace("étape", "stop"), plural.plural.replace("étapes", "stops")]  # type: ignore[union-attr]
    answer = put(app_client, token, "-", plural.msgid, forms)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert entry(content_root, plural.key, EN_MESSAGES).strings == forms


def test_who_may_translate(app_client: TestClient, tokens: dict[str, str]) -> None:
    source = french(app_client, tokens["translator"])
    anonymous = app_client.put(
        f"/api/translations/en/{CONTEXT}",
        headers=JSON,
        content=json.dumps({"source": source, "text": "x"}),
    )
    assert anonymous.status_code == 401
    for role in ("translator", "curator", "admin"):
        coverage = app_client.get("/api/translations/nl/coverage", headers=auth(tokens[role]))
        assert coverage.status_code == 200
    unknown = app_client.put(
        f"/api/translations/xx/{CONTEXT}",
        headers=auth(tokens["translator"], **JSON),
        content=json.dumps({"source": source, "text": "x"}),
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"]["known"] == ["de", "en", "nl"]
    context = put(app_client, tokens["translator"], "site/no-such-site/summary", source, "x")
    assert context.status_code == 404  # type: ignore[attr-defined]


# --- Coverage -------------------------------------------------------------------------------


def template_size(root: Path, name: str) -> int:
    with (root / "locales" / name).open("rb") as handle:
        return sum(1 for message in read_po(handle) if message.id)


def test_coverage_adds_up_to_the_templates(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    report = app_client.get("/api/translations/de/coverage", headers=auth(tokens["translator"]))
    assert report.status_code == 200
    data = report.json()
    content = sum(data[s]["total"] for s in ("sites", "trails", "assets"))
    assert content == template_size(content_root, "content.pot")
    assert data["interface"]["total"] == template_size(content_root, "messages.pot")
    for name in ("sites", "trails", "assets", "interface"):
        section = data[name]
        assert sum(section["counts"].values()) == section["total"]
        assert all(len(section[s]) == section["counts"][s] for s in ("done", "stale", "missing"))
    assert data["totals"]["total"] == content + data["interface"]["total"]
    stops = [e for e in data["trails"]["done"] if "/stop/" in (e["context"] or "")]
    assert stops and all(e["source"] for e in stops)


# --- Whole files ------------------------------------------------------------------------------


def test_export_then_import_leaves_the_files_as_they_were(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    token = tokens["translator"]
    files = {p: (content_root / p).read_bytes() for p in (EN_CONTENT, EN_MESSAGES)}
    one = app_client.get("/api/translations/en.po?domain=content", headers=auth(token))
    assert one.content == files[EN_CONTENT]
    assert one.headers["content-type"].startswith("text/x-gettext-translation")
    both = app_client.get("/api/translations/en.po", headers=auth(token))
    assert both.status_code == 200
    answer = app_client.post(
        "/api/translations/en.po", headers=auth(token, **PO), content=both.content
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()["data"]
    assert report["merged"] == 0 and report["unchanged"] > 900
    assert {p: (content_root / p).read_bytes() for p in files} == files


def test_import_merges_what_changed_and_skips_old_french(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    token = tokens["translator"]
    exported = app_client.get("/api/translations/en.po?domain=content", headers=auth(token)).text
    catalog = read_po(io.BytesIO(exported.encode("utf-8")))
    summary = next(m for m in catalog if m.context == CONTEXT)
    name = next(m for m in catalog if m.context == f"site/{SITE}/name")
    edited = _set_msgstr(exported, name.context, "Lagrange estate")
    # Meanwhile a curator changed the French summary: its translation no longer applies.
    edit_site(content_root, SITE, "summary", "Un résumé tout neuf.")
    assert summary.id != "Un résumé tout neuf."
    answer = app_client.post(
        "/api/translations/en.po", headers=auth(token, **PO), content=edited.encode("utf-8")
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()["data"]
    assert report["merged"] == 1
    skipped = {s["context"]: s for s in report["skipped"]}
    assert skipped[CONTEXT]["reason"] == "source_changed"
    assert skipped[CONTEXT]["current"] == ["Un résumé tout neuf."]
    assert entry(content_root, (name.context, name.id)).strings == ["Lagrange estate"]


def _set_msgstr(text: str, context: str | None, translation: str, msgid: str = "") -> str:
    """The text with the msgstr lines of the entry with this context (and msgid) replaced."""
    found = next(
        e for e in po_edit.parse(text) if e.context == context and e.msgid == (msgid or e.msgid)
    )
    lines = text.splitlines(keepends=True)
    lines[found.msgstr : found.end] = [f'msgstr "{translation}"\n']
    return "".join(lines)


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda t: _set_msgstr(t, None, "Volgende: %(titel)s", NEXT_STOP), "placeholders"),
        (lambda t: t + '\nmsgid "Une phrase inconnue"\nmsgstr "Unknown"\n', "unknown_message"),
        (lambda t: t + '\nmsgid "x"\nmsgtxt "y"\n', "po_syntax"),
    ],
)
def test_import_refuses_a_bad_file_whole_with_line_numbers(
    app_client: TestClient,
    tokens: dict[str, str],
    content_root: Path,
    mangle: object,
    code: str,
) -> None:
    token = tokens["translator"]
    files = {p: (content_root / p).read_bytes() for p in (EN_CONTENT, EN_MESSAGES)}
    exported = app_client.get("/api/translations/nl.po?domain=messages", headers=auth(token)).text
    exported = exported.replace('"Language: nl\\n"', '"Language: en\\n"')
    text = mangle(exported)  # type: ignore[operator]
    answer = app_client.post(
        "/api/translations/en.po", headers=auth(token, **PO), content=text.encode("utf-8")
    )
    assert answer.status_code == 422, answer.text
    problems = answer.json()["error"]["details"]["problems"]
    assert problems and problems[0]["code"] == code
    assert all(isinstance(p["line"], int) for p in problems)
    if code == "placeholders":
        lines = text.splitlines()
        assert lines[problems[0]["line"] - 1].startswith("msgid")
    assert {p: (content_root / p).read_bytes() for p in files} == files


def test_import_of_another_language_or_too_big_is_refused(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    token = tokens["translator"]
    dutch = app_client.get("/api/translations/nl.po?domain=messages", headers=auth(token))
    wrong = app_client.post(
        "/api/translations/en.po", headers=auth(token, **PO), content=dutch.content
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"]["problems"][0]["code"] == "wrong_language"
    huge = app_client.post(
        "/api/translations/en.po", headers=auth(token, **PO), content=b"#" * (5 * 1024 * 1024 + 1)
    )
    assert huge.status_code == 413
    assert app_client.post("/api/translations/en.po", content=dutch.content).status_code == 401


# --- parcours i18n compile --------------------------------------------------------------------


def test_compile_writes_mo_files_babel_loads(content_root: Path) -> None:
    assert main(["i18n", "compile", "--root", str(content_root)]) == 0
    locales = content_root / "locales"
    for lang in ("en", "nl", "de"):
        for domain in ("content", "messages"):
            assert (locales / lang / "LC_MESSAGES" / f"{domain}.mo").is_file()
    po = po_edit.messages((content_root / EN_CONTENT).read_text(encoding="utf-8"))
    key, expected = next((k, e) for k, e in po.items() if k[0] == CONTEXT)
    content = Translations.load(str(locales), ["en"], domain="content")
    assert content.pgettext(CONTEXT, key[1]) == expected.strings[0]
    interface = po_edit.messages((content_root / EN_MESSAGES).read_text(encoding="utf-8"))
    done = next(e for e in interface.values() if e.translated and not e.fuzzy and not e.plural)
    messages = Translations.load(str(locales), ["en"], domain="messages")
    if done.context:
        assert messages.pgettext(done.context, done.msgid) == done.strings[0]
    else:
        assert messages.gettext(done.msgid) == done.strings[0]


# --- The PO text editor ------------------------------------------------------------------------


def test_po_edit_keeps_every_other_byte() -> None:
    text = (
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        "#. a note\n#: site_catalog.yaml\n#, fuzzy, python-format\n"
        '#| msgid "Ancien %(n)s"\nmsgctxt "a"\nmsgid "Nouveau %(n)s"\nmsgstr "Old %(n)s"\n\n'
        '#: site_catalog.yaml\nmsgctxt "b"\nmsgid "Autre"\nmsgstr "Other"\n\n'
        '#~ msgid "Obsolète"\n#~ msgstr "Obsolete"\n'
    )
    entries = po_edit.messages(text)
    first = entries[("a", "Nouveau %(n)s")]
    assert first.fuzzy and first.previous == "Ancien %(n)s" and first.lineno == 10
    assert first.comments == ["a note"] and first.locations == ["site_catalog.yaml"]
    edited = po_edit.edit(
        text,
        {("a", "Nouveau %(n)s"): ["New %(n)s"]},
        add=[po_edit.NewEntry("c", "Troisième", ["Third"], comments=["note"])],
    )
    assert "#, python-format\n" in edited and "#|" not in edited
    assert 'msgstr "New %(n)s"' in edited
    assert edited.index('msgid "Troisième"') < edited.index("#~ msgid")
    assert (
        edited.split('msgctxt "b"')[1].split("\n\n", maxsplit=1)[0]
        == text.split('msgctxt "b"')[1].split("\n\n", maxsplit=1)[0]
    )
    assert po_edit.edit(text, {}) == text
    removed = po_edit.edit(text, {}, remove=[("b", "Autre")])
    assert "Autre" not in removed and "Nouveau" in removed and "Obsolète" in removed
