"""Qt's own file dialog follows the UI language: Qt's qtbase_zh_CN.qm (from QLibraryInfo's
TranslationsPath, which the bundle ships) plus i18n's gaps for the texts Qt 6.11 renamed."""

import re
import time

import pytest
from PySide6.QtCore import QCoreApplication, QLibraryInfo
from PySide6.QtWidgets import QFileDialog, QLabel, QTreeView

from desktop_app import i18n

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese(qapp):
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def test_qt_catalogue_comes_from_qts_translations_folder(qapp):
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    path = i18n.qt_translation_path("zh")
    assert path is not None and path.name == "qtbase_zh_CN.qm"
    assert str(path.parent) == folder


@pytest.mark.parametrize(
    "context, text",
    [
        ("QFileDialog", "Look in:"),  # older Qt's wording, still in the catalogue
        ("QFileDialog", "&Look in:"),  # Qt 6.11's label
        ("QFileDialog", "Files of &type:"),
        ("QFileDialog", "File &name:"),
        ("QFileDialog", "&New Folder"),
        ("QAbstractFileIconProvider", "Folder"),  # the Type column
        ("QAbstractFileIconProvider", "%1 File"),
        ("QPlatformTheme", "Cancel"),
    ],
)
def test_switching_to_chinese_translates_qts_dialog_texts(chinese, context, text):
    assert CJK.search(QCoreApplication.translate(context, text))


def test_switching_back_to_english_removes_qts_translations(qapp):
    i18n.set_language("zh")
    assert CJK.search(QCoreApplication.translate("QFileDialog", "&Look in:"))
    i18n.set_language("en")
    assert QCoreApplication.translate("QFileDialog", "&Look in:") == "&Look in:"
    assert QCoreApplication.translate("QAbstractFileIconProvider", "Folder") == "Folder"
    assert QCoreApplication.translate("QFileDialog", "Anything else") == "Anything else"


def test_untranslated_texts_fall_through_to_the_source(chinese):
    # The gap translator answers only for its own texts (a null string for the rest).
    assert QCoreApplication.translate("NoSuchContext", "Plain text") == "Plain text"


def test_file_dialog_shows_no_english_in_chinese(chinese, qtbot, tmp_path):
    shown = tmp_path / "shown"  # tmp_path also holds the tests' user-data folder
    (shown / "folder").mkdir(parents=True)
    (shown / "scene.json").write_text("{}")
    dialog = QFileDialog(None, "LossLab", str(shown), "JSON (*.json)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    view = dialog.findChildren(QTreeView)[0]
    model = view.model()

    def listed():
        root = view.rootIndex()
        return model.rowCount(root) == 2

    deadline = time.monotonic() + 10
    while not listed() and time.monotonic() < deadline:
        qtbot.wait(50)
    assert listed()
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert labels and all(CJK.search(text) for text in labels), labels
    root = view.rootIndex()
    types = [model.index(row, 2, root).data() for row in range(model.rowCount(root))]
    # "Folder"; a file's type is "%1 File" or, where the system's MIME database knows the
    # suffix, its own (translated) comment such as "JSON 文档".
    assert len(types) == 2 and "文件夹" in types and all(CJK.search(t) for t in types), types
