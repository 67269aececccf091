"""Languages: the .ts is complete and builds, switching changes what menus and panels show, Qt's
own texts follow, and Chinese renders with a real CJK font (never boxes)."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QFont, QFontMetrics, QRawFont, QTextLayout

import resources
from desktop_app import i18n

TS = i18n.ts_path("zh")
PLACEHOLDER = re.compile(r"\{\d+(?::[^}]*)?\}")
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def messages():
    root = ET.parse(TS).getroot()
    for context in root.iter("context"):
        for message in context.iter("message"):
            yield context.findtext("name") or "", message


@pytest.fixture
def app(qapp):
    """The application as LossLab sets it up: bundled fonts registered."""
    from desktop_app.app import create_application

    return create_application()


@pytest.fixture
def english_afterwards():
    yield
    i18n.set_language("en")


def test_every_message_is_translated_with_its_placeholders_and_shortcut():
    checked = 0
    for context, message in messages():
        source = message.findtext("source")
        translation = message.find("translation")
        where = f"{context}: {source!r}"
        assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), where
        assert translation.text, where
        assert sorted(PLACEHOLDER.findall(translation.text)) == sorted(
            PLACEHOLDER.findall(source)
        ), where
        if re.search(r"&[^&\s]", source):  # a menu accelerator keeps one
            assert re.search(r"&[^&\s]", translation.text), where
        checked += 1
    assert checked > 150


def test_the_ts_file_has_every_text_of_the_sources(tmp_path):
    """lupdate over today's sources finds nothing untranslated (run `python -m desktop_app.i18n
    update`, then translate the new messages, when this fails)."""
    tool = i18n._qt_tool("lupdate")
    if tool is None:
        pytest.skip("lupdate is not installed")
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    sources = sorted(str(p) for p in i18n.SOURCE_DIR.rglob("*.py"))
    subprocess.run(
        [tool, "-silent", "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
        check=True,
        timeout=120,
    )
    root = ET.parse(copy).getroot()
    missing = [
        f"{c.findtext('name')}: {m.findtext('source')!r}"
        for c in root.iter("context")
        for m in c.iter("message")
        if m.find("translation").get("type") == "unfinished"
    ]
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_the_qm_builds_and_translates(qapp, tmp_path):
    qm = tmp_path / "losslab_zh_CN.qm"
    i18n.compile_ts(TS, qm)
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("MainWindow", "&File") == "文件(&F)"
    assert translator.translate("RunEditor", "Learning-rate schedule") == "学习率调度"


def test_a_fresh_checkout_compiles_the_translation_into_the_user_cache(qapp):
    path = i18n.qm_path("zh")  # LOSSLAB_DATA_DIR is a fresh folder in these tests
    assert path is not None and path.is_file()
    assert path.parent == i18n.cache_dir() or path == TS.with_suffix(".qm")
    assert i18n.qm_path("zh") == path  # built once, then reused
    assert i18n.qm_path("en") is None  # English is the source language


def test_packagers_build_the_qm_beside_the_ts(tmp_path, monkeypatch):
    shutil.copy(TS, tmp_path / TS.name)
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", tmp_path)
    assert i18n.main(["build"]) == 0
    assert (tmp_path / "losslab_zh_CN.qm").stat().st_size > 1000


def test_self_test_line_names_translation_and_font(app):
    line = i18n.check_installation()
    assert "qtbase_zh_CN.qm" in line and i18n.cjk_family() in line


def menu_titles(window):
    return [action.text() for action in window.menuBar().actions()]


def test_switching_language_changes_menus_and_panels(window, lab, qtbot, english_afterwards):
    from core.surfaces.library import BUILTIN_NAMES, builtin_surface
    from desktop_app.documents import user_settings

    assert menu_titles(window)[:3] == ["&File", "&Run", "&View"]
    assert lab.picker.library.title() == "Surface"
    assert lab.editor._optimizer_box.title() == "Optimizer"
    first = BUILTIN_NAMES[0]
    assert lab.picker.builtin.itemText(0) == builtin_surface(first).text("title", "en")

    window.view_menu.language_actions["zh"].trigger()  # View ▸ Language ▸ 简体中文
    qtbot.waitUntil(lambda: menu_titles(window)[:3] == ["文件(&F)", "运行(&R)", "视图(&V)"])
    assert i18n.current_language() == "zh"
    assert user_settings().value(i18n.SETTINGS_KEY, "", type=str) == "zh"  # remembered
    assert window.pages.tabText(window.pages.indexOf(lab)) == "曲面实验室"
    assert window.pages.tabText(window.pages.indexOf(window.lessons)) == "课程"
    assert lab.picker.library.title() == "曲面"
    assert lab.picker.builtin.itemText(0) == builtin_surface(first).text("title", "zh")
    assert lab.runs_box.title() == "运行"
    assert lab.editor._optimizer_box.title() == "优化器"
    assert lab.plots.plots["loss"].titleLabel.text == "损失"
    assert lab.transport.play.toolTip() == "播放 / 暂停（空格）"
    assert window.lessons.chapter_titles()[0] == "训练攻略"
    play = window.play_action
    assert play.text() == "播放 / 暂停" and play.shortcut().toString() == "Space"

    window.view_menu.language_actions["en"].trigger()
    qtbot.waitUntil(lambda: menu_titles(window)[:3] == ["&File", "&Run", "&View"])
    assert lab.runs_box.title() == "Runs"
    assert lab.picker.builtin.itemText(0) == builtin_surface(first).text("title", "en")


def test_the_window_title_follows_the_language(window, lab, qtbot, english_afterwards):
    window.open_scene(resources.path("scenes", "momentum_ravine.json"))
    assert window.windowTitle().startswith("Momentum on a ravine")
    i18n.set_language("zh")
    qtbot.waitUntil(lambda: window.windowTitle().startswith("峡谷中的动量"))
    assert lab.lesson_note.text().startswith("<b>峡谷中的动量")


def test_qt_dialog_texts_are_translated_too(qapp, english_afterwards):
    i18n.set_language("zh")
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    i18n.set_language("en")
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Look in:"


def test_the_language_defaults_to_the_saved_choice_then_the_system(qapp, monkeypatch):
    from desktop_app.documents import user_settings

    monkeypatch.setattr(i18n, "system_language", lambda: "zh")
    assert i18n.initial_language() == "zh"
    user_settings().setValue(i18n.SETTINGS_KEY, "en")
    assert i18n.initial_language() == "en"
    assert i18n.initial_language("zh") == "zh"  # losslab --lang zh


# -- fonts ----------------------------------------------------------------------------------------


def project_chinese() -> set[str]:
    """Every CJK character LossLab shows: translations, lessons, surface texts, chapters."""
    from core.lessons import CHAPTERS
    from core.surfaces.library import BUILTIN_NAMES, builtin_surface

    texts = [m.findtext("translation") or "" for _, m in messages()]
    texts += [p.read_text(encoding="utf-8") for p in resources.path("scenes").glob("*.json")]
    for name in BUILTIN_NAMES:
        surface = builtin_surface(name)
        texts += [surface.text("title", "zh"), surface.text("note", "zh")]
    texts += [names["zh"] for names in CHAPTERS.values()]
    texts += list(i18n.LANGUAGES.values())
    return {c for text in texts for c in text if CJK.match(c)}


def test_the_bundled_font_covers_every_chinese_character_we_show(app):
    family = i18n.cjk_family()
    assert family, "resources/fonts has no usable font"
    raw = QRawFont.fromFont(QFont(family))
    missing = sorted(c for c in project_chinese() if not raw.supportsCharacter(ord(c)))
    assert not missing, "rebuild resources/fonts with build_cjk_subset.py; missing: " + "".join(
        missing
    )


def test_chinese_text_renders_with_a_cjk_capable_font(app):
    family = i18n.cjk_family()
    metrics = QFontMetrics(QFont(family))
    assert all(metrics.inFontUcs4(ord(c)) for c in "损失梯度学习率动量鞍点海森矩阵")
    # Laid out in the application font, every glyph of a Chinese string comes from a font that
    # has it: glyph 0 (the "missing" box) never appears.
    text = "梯度下降 gradient descent：学习率 η = 0.1"
    layout = QTextLayout(text, app.font())
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    runs = layout.glyphRuns()
    assert runs
    families = set()
    for run in runs:
        assert all(index != 0 for index in run.glyphIndexes())
        families.add(run.rawFont().familyName())
    assert family in families
