"""The German translation: every entry finished, every screen in German, numbers and handouts in the
right language, and the language setting over the system's locale."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from screen_texts import Catalogue, visible_texts

from microneedle_desk import i18n

ROOT = Path(__file__).resolve().parent.parent


def _messages_tool() -> Any:
    spec = importlib.util.spec_from_file_location("messages_tool", ROOT / "tools" / "messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_text_in_the_source_has_a_finished_german_translation() -> None:
    left = _messages_tool().problems("de")
    assert not left, "unfinished German entries (tools/messages.py update, then translate):\n" + "\n".join(left[:40])


def test_a_fuzzy_or_placeholder_changing_entry_counts_as_unfinished(tmp_path: Path) -> None:
    po = tmp_path / "locale" / "de" / "microneedle_desk.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  '#, fuzzy\nmsgid "Save"\nmsgstr "Sichern"\n\n'
                  'msgid "{n} left"\nmsgstr "{count} übrig"\n\n'
                  'msgid "Next"\nmsgstr "Weiter"\n', encoding="utf-8")
    catalogue = i18n.load_catalogue("de", tmp_path)
    assert "Save" not in catalogue.texts, "a fuzzy entry is not used"
    assert catalogue.texts["Next"] == "Weiter"
    tool = _messages_tool()
    entries = {e.msgid: e for e in i18n.read_po(po)}
    assert not entries["Save"].finished
    assert tool._fields(entries["{n} left"].msgstr[0]) != tool._fields("{n} left")


@pytest.fixture
def german_window(qtbot: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The main window built under a German system locale (no language setting)."""
    from PySide6.QtCore import QLocale

    from microneedle_desk.ui.language import apply_language

    before = QLocale()
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    window = request.getfixturevalue("window")
    assert i18n.current_language() == "de"
    yield window
    apply_language("en")
    QLocale.setDefault(before)


def _choose_new_patient(window: Any, sex: str, indication: str, scale: str, grade: str) -> None:
    """A demo patient registered and chosen on the patient page."""
    from microneedle_desk.core.records import make_patient

    ctx = window.ctx
    patient = make_patient(ctx.protocol, name="Alex Demo", dob="1980-02-29", clinic_id="DEMO-1", sex=sex,
                           indication=indication, scale=scale, grade=grade, device=ctx.store.device,
                           now=ctx.clock.now(), demo=True)
    ctx.store.add_patient(patient)
    window.patient_page.reload()
    window.patient_page.select(patient)


def _walk_screens(qtbot: Any, window: Any) -> dict[str, set[str]]:
    """The texts of the patient page, each step of a session in progress, and the settings."""
    from PySide6.QtWidgets import QApplication

    from microneedle_desk.ui.first_start import FirstStartDialog
    from microneedle_desk.ui.history_view import HistoryWindow
    from microneedle_desk.ui.settings_dialog import SettingsDialog

    ctx = window.ctx

    def texts() -> set[str]:
        window.refresh()  # what the refresh timer would show next: countdowns, timings
        QApplication.processEvents()
        return visible_texts(window)

    shown: dict[str, set[str]] = {"patient page": texts()}
    _choose_new_patient(window, "female", "aga_female", "ludwig", "II")
    shown["patient chosen"] = texts()
    window.start_session()
    c = ctx.controller
    for i in range(len(ctx.protocol.steps)):
        window.go_to(i)
        QApplication.processEvents()
        shown[f"step {i + 1}"] = texts()
        if i == 1:
            c.act(lambda k: k.answer("skin_infection_or_rash", True))  # a blocking answer and its message
            shown["screening blocked"] = texts()
            for item in ctx.protocol.contraindications:
                c.act(lambda k, item=item: k.answer(item.id, False))
            c.act(lambda k: k.confirm_consent("Alex Demo"))
        elif i == 2:
            c.act(lambda k: k.set_anesthetic_product("EMLA"))
            c.act(lambda k: k.apply_anesthetic(30))
            shown["dwell running"] = texts()
        elif i == 3:
            c.act(lambda k: k.set_needle_length("1.2"))
            c.act(lambda k: k.set_cartridge("LOT-7", "2099-06-30"))
            c.act(lambda k: k.confirm_cartridge_new(True))
        elif i == 4:
            c.act(lambda k: k.set_antiseptic("alcohol"))
            ctx.clock.advance(31 * 60)
            c.poll()
            shown["alert"] = texts()
            window.acknowledge_alert()
        elif i == 5:
            c.act(lambda k: k.start_needling())
            ctx.clock.advance(5 * 60)
            c.poll()
            c.act(lambda k: k.set_zone("frontal", True))
            shown["needling"] = texts()
    c.act(lambda k: k.set_handpiece_serial("HP-1"))
    window.go_to(len(ctx.protocol.steps) - 1)
    shown["sign-off"] = texts()
    c.close()
    history = HistoryWindow(ctx, window)  # the session in progress is listed
    history.show()
    QApplication.processEvents()
    shown["history"] = visible_texts(history)
    history.close()
    first = FirstStartDialog(window)
    first.show()
    shown["first start"] = visible_texts(first)
    first.close()
    dialog = SettingsDialog(ctx.settings, ctx.store, window)
    dialog.show()
    shown["settings"] = visible_texts(dialog)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        shown[f"settings tab {index}"] = visible_texts(dialog)
    dialog.close()
    return shown


def test_every_screen_of_a_session_shows_only_german_texts_under_a_german_locale(qtbot: Any,
                                                                                   german_window: Any) -> None:
    shown = _walk_screens(qtbot, german_window)
    protocol = german_window.ctx.protocol
    grades = [grade for scale in protocol.scales for grade in scale.grades]  # names of the grading scales
    catalogue = Catalogue("de", ["Alex Demo", "DEMO-1", "Dr Demo", "EMLA", "LOT-7", *grades,
                                 *i18n.LANGUAGE_NAMES.values()])
    untranslated = {screen: sorted(catalogue.unknown(texts)) for screen, texts in shown.items()}
    untranslated = {screen: texts for screen, texts in untranslated.items() if texts}
    assert not untranslated, "texts not from the German catalogue:\n" + "\n".join(
        f"{screen}: {texts}" for screen, texts in untranslated.items())
    assert "Betäubung" in shown["step 3"], "the step's title is the protocol's German one"
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen", "Qt's own texts in German too"


def test_the_screen_test_notices_an_english_text() -> None:
    catalogue = Catalogue("de", ["Alex Demo"])
    assert catalogue.unknown(["Start the session", "Alex Demo", "12:30", "Betäubung"]) == {"Start the session"}


def test_a_decimal_comma_is_read_where_the_locale_writes_one() -> None:
    from microneedle_desk.core.validation import ValidationError, parse_decimal

    assert parse_decimal("1,2", "needle", "Needle length", "mm", decimal_separator=",") == Decimal("1.2")
    with pytest.raises(ValidationError, match="decimal point"):
        parse_decimal("1,2", "needle", "Needle length", "mm")


def test_the_device_step_accepts_1_comma_2_mm_under_german(qtbot: Any, german_window: Any) -> None:
    win = german_window
    ctx = win.ctx
    _choose_new_patient(win, "male", "aga_male", "norwood_hamilton", "III")
    win.start_session()
    win.go_to(3)
    device = win.pages[3]
    device.needle.setFocus()
    device.needle.clear()
    qtbot.keyClicks(device.needle, "1,2")
    device.needle.clearFocus()
    qtbot.waitUntil(lambda: ctx.controller.session.state.needle_mm is not None)
    assert Decimal(str(ctx.controller.session.state.needle_mm)) == Decimal("1.2")
    assert device.needle.text() == "1,2", "shown back with the locale's comma"


def test_the_language_setting_overrides_the_system_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    i18n.set_language(None)
    assert i18n.current_language() == "de"
    assert i18n.tr("Sign the session") == "Sitzung unterschreiben"
    i18n.set_language("en")
    assert i18n.tr("Sign the session") == "Sign the session"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    i18n.set_language("de")
    assert i18n.current_language() == "de"


def test_the_system_locale_is_read_the_way_gettext_reads_it() -> None:
    assert i18n.language_from_environment({"LANG": "de_AT.UTF-8"}) == "de"
    assert i18n.language_from_environment({"LANGUAGE": "fr:de", "LANG": "en_US.UTF-8"}) == "de"
    assert i18n.language_from_environment({"LC_ALL": "C", "LANG": "de_DE.UTF-8"}) == "en"
    assert i18n.language_from_environment({"LC_MESSAGES": "de_CH.UTF-8"}) == "de"
    assert i18n.language_from_environment({}) == "en"


def test_a_german_date_is_read_and_shown_in_the_german_form(qtbot: Any, german_window: Any) -> None:
    from datetime import date

    page = german_window.patient_page
    page.name.setText("Alex Demo")
    page.dob.setText("29.02.1980")
    page.clinic_id.setText("DEMO-1")
    page.sex.setCurrentIndex(page.sex.findData("male"))
    page.indication.setCurrentIndex(page.indication.findData("aga_male"))
    page.grade.setCurrentText("III")
    page.register()
    patients = german_window.ctx.store.patients()
    assert [p.dob for p in patients] == [date(1980, 2, 29)], page.error_label.text()
    assert "29.02.1980" in page.chosen.text(), "shown back as the locale writes it"


def test_the_language_setting_overrides_a_german_system_locale_in_the_window(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch, data_dir: Path, request: pytest.FixtureRequest) -> None:
    from PySide6.QtCore import QLocale

    from microneedle_desk import paths
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.settings import Settings
    from microneedle_desk.ui.language import apply_language

    before = QLocale()
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    Settings(load_protocol(paths.protocol_file()), paths.settings_file(data_dir)).set("clinic/language", "en")
    try:
        window = request.getfixturevalue("window")
        assert i18n.current_language() == "en"
        assert window.menuBar().actions()[0].text() != "&Datei", "the menus are English, as the setting says"
        assert QLocale().decimalPoint() == "."
    finally:
        apply_language("en")
        QLocale.setDefault(before)


def test_a_protocol_translation_missing_a_text_is_refused_when_the_protocol_is_read(tmp_path: Path) -> None:
    import json
    import shutil

    from microneedle_desk.core.protocol import ProtocolError, load_protocol

    shutil.copy(ROOT / "microneedle_desk" / "resources" / "protocol.json", tmp_path / "protocol.json")
    german = json.loads((ROOT / "microneedle_desk" / "resources" / "protocol.de.json").read_text(encoding="utf-8"))
    del german["texts"]["aftercare"]["no_sun"]
    (tmp_path / "protocol.de.json").write_text(json.dumps(german), encoding="utf-8")
    with pytest.raises(ProtocolError, match="aftercare/no_sun/text"):
        load_protocol(tmp_path / "protocol.json")
    (tmp_path / "protocol.de.json").unlink()
    (tmp_path / "locale" / "de").mkdir(parents=True)
    with pytest.raises(ProtocolError, match=r"protocol\.de\.json is missing"):
        load_protocol(tmp_path / "protocol.json")
