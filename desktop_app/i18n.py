"""The user-interface language: Qt Linguist translations, Qt's own, and a bundled CJK font.

Sources: ``resources/translations/losslab_zh_CN.ts`` (made by ``pyside6-lupdate`` from the
``desktop_app`` sources, translated by hand). English is the source language and needs no file.

The ``.qm`` files Qt loads are built, never committed (``*.qm`` is ignored by git):

- a packager runs ``python -m desktop_app.i18n build``, which writes ``losslab_zh_CN.qm`` next to
  its ``.ts`` (what a bundle or wheel ships);
- otherwise, the first start that needs a language compiles its ``.ts`` with ``lrelease`` (it
  ships with PySide6-Essentials) into the per-user cache, under a name that carries a hash of the
  ``.ts``, so an edited ``.ts`` is compiled again and a fresh checkout just works.

:func:`set_language` swaps the installed translators (ours, Qt's ``qtbase_zh_CN.qm``, which
translates Qt's dialogs and standard buttons, and :class:`QtCatalogueGaps` for the few texts of
Qt's file dialog that Qt 6's Chinese catalogue lacks); Qt then sends every widget a
``QEvent.LanguageChange``, on which widgets re-apply their texts (their ``retranslate()``).
Texts that live in ``core`` (surface titles and notes, lesson texts) are bilingual data: widgets
read :func:`current_language` when they retranslate.

The convention, on every page: a widget that shows translatable text implements
``changeEvent(LanguageChange) -> retranslate()`` and sets its texts there (group titles, form
labels, combo items, tab texts, plot titles, axis labels, legend entries, captions), never only
at construction. Texts derived from state (a status line, "step 3 / 150", a legend that depends
on what is shown) are kept as a function of the state and worded again in ``retranslate`` (or
the page marks itself dirty so its next frame re-derives them). ``tests/desktop/
test_live_switch.py`` walks every page after a run-time switch and fails on a leftover.

``python -m desktop_app.i18n update`` refreshes the ``.ts`` from the sources (keeping the
translations); ``build`` compiles them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QObject,
    QTranslator,
    Signal,
)
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QGuiApplication

import resources

# Each language's name in that language, as the Language menu shows it.
LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
QT_LOCALES = {"en": "en_US", "zh": "zh_CN"}
SETTINGS_KEY = "language"
TRANSLATIONS_DIR = resources.path("translations")
FONTS_DIR = resources.path("fonts")
SOURCE_DIR = Path(__file__).resolve().parent  # what lupdate scans


class TranslationError(RuntimeError):
    """A ``.ts`` file could not be compiled."""


def ts_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"losslab_{QT_LOCALES[language]}.ts"


def _qt_tool(name: str) -> str | None:
    """PySide6's copy of a Qt tool (``lrelease``, ``lupdate``), else one on the PATH."""
    import PySide6

    folder = Path(PySide6.__file__).resolve().parent
    for candidate in (folder / name, folder / f"{name}.exe", folder / "Qt" / "libexec" / name):
        if candidate.is_file():
            return str(candidate)
    return shutil.which(f"pyside6-{name}") or shutil.which(name)


def compile_ts(ts: Path, qm: Path) -> None:
    """``lrelease ts -qm qm``, written atomically; :class:`TranslationError` on failure."""
    tool = _qt_tool("lrelease")
    if tool is None:
        raise TranslationError("lrelease not found (it ships with PySide6-Essentials)")
    qm.parent.mkdir(parents=True, exist_ok=True)
    partial = qm.with_name(f".{qm.name}.{os.getpid()}.tmp")
    try:
        done = subprocess.run(
            [tool, "-silent", str(ts), "-qm", str(partial)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0 or not partial.is_file():
            raise TranslationError(f"lrelease failed on {ts.name}: {done.stderr.strip()}")
        os.replace(partial, qm)
    except (OSError, subprocess.SubprocessError) as error:
        raise TranslationError(f"cannot run lrelease: {error}") from None
    finally:
        partial.unlink(missing_ok=True)


def cache_dir() -> Path:
    from desktop_app.user_files import user_cache_dir

    return user_cache_dir() / "translations"


def qm_path(language: str) -> Path | None:
    """The compiled translation of ``language``, building it if needed; None for English or when
    nothing can be found or built (the UI then stays in English)."""
    if language not in QT_LOCALES or language == "en":
        return None
    ts = ts_path(language)
    shipped = ts.with_suffix(".qm")
    if not ts.is_file():
        return shipped if shipped.is_file() else None
    if shipped.is_file() and shipped.stat().st_mtime >= ts.stat().st_mtime:
        return shipped  # built by the packager from this .ts
    digest = hashlib.sha1(ts.read_bytes()).hexdigest()[:12]
    cached = cache_dir() / f"{ts.stem}-{digest}.qm"
    if cached.is_file():
        return cached
    try:
        compile_ts(ts, cached)
    except TranslationError as error:
        print(f"losslab: {error}", file=sys.stderr)
        return shipped if shipped.is_file() else None  # an older translation beats none
    for old in cached.parent.glob(f"{ts.stem}-*.qm"):
        if old != cached:
            old.unlink(missing_ok=True)
    return cached


def qt_translation_path(language: str) -> Path | None:
    """Qt's own ``qtbase_<locale>.qm`` (dialogs, standard buttons, context menus)."""
    name = f"qtbase_{QT_LOCALES[language]}.qm"
    for folder in (
        Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        TRANSLATIONS_DIR,  # where a bundle may put it
    ):
        if (folder / name).is_file():
            return folder / name
    return None


# Texts of Qt's own file dialog that Qt 6.11's qtbase_zh_CN.qm does not translate: Qt renamed them
# (mnemonics added to "Look in:" and "Files of type:") or moved them to another context (the Type
# column's "Folder", "%1 File", ...: QFileDialog -> QAbstractFileIconProvider) after the catalogue
# was last updated, so the Chinese dialog showed them in English. Wording as in qtbase_zh_CN.qm.
QT_CATALOGUE_GAPS: dict[str, dict[tuple[str, str], str]] = {
    "zh": {
        ("QFileDialog", "&Look in:"): "查找范围(&L)：",
        ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
        ("QAbstractFileIconProvider", "Folder"): "文件夹",
        ("QAbstractFileIconProvider", "File Folder"): "文件夹",
        ("QAbstractFileIconProvider", "%1 File"): "%1 文件",
        ("QAbstractFileIconProvider", "File"): "文件",
        ("QAbstractFileIconProvider", "Drive"): "驱动器",
        ("QAbstractFileIconProvider", "Shortcut"): "快捷方式",
        ("QAbstractFileIconProvider", "Alias"): "别名",
    },
}


class QtCatalogueGaps(QTranslator):
    """Translates :data:`QT_CATALOGUE_GAPS` for one language (any disambiguation).

    Installed before the ``.qm`` translators, so it is asked last: a newer Qt catalogue that
    translates these texts itself wins. Returns None (a null QString, "not translated") for
    everything else, so that Qt goes on to the source text.
    """

    def __init__(self, language: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = QT_CATALOGUE_GAPS.get(language, {})

    def translate(self, context, source_text, disambiguation=None, n=-1):
        return self._table.get((context, source_text))

    def isEmpty(self) -> bool:  # Qt's name
        return not self._table


def system_language() -> str:
    return "zh" if QLocale.system().language() == QLocale.Language.Chinese else "en"


class LanguageManager(QObject):
    """Installs the translators of one language at a time; ``languageChanged(code)``."""

    languageChanged = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.language = "en"
        self._translators: list[QTranslator] = []

    def set_language(self, language: str) -> str:
        """Switch to ``language`` ("en" or "zh"); returns the language now in use."""
        if language not in LANGUAGES:
            raise ValueError(
                f"unknown language {language!r}; choose one of: {', '.join(LANGUAGES)}"
            )
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication before choosing a language")
        for translator in self._translators:
            app.removeTranslator(translator)
        self._translators = []
        if language != "en":
            # Asked in the reverse order: Qt's catalogue, ours, then the gaps in Qt's.
            gaps = QtCatalogueGaps(language, self)
            if not gaps.isEmpty():
                app.installTranslator(gaps)
                self._translators.append(gaps)
            for path in (qm_path(language), qt_translation_path(language)):
                translator = QTranslator(self)
                if path is not None and translator.load(str(path)):
                    app.installTranslator(translator)  # Qt posts LanguageChange to every widget
                    self._translators.append(translator)
        QLocale.setDefault(QLocale(QT_LOCALES[language]))
        changed = language != self.language
        self.language = language
        if changed:
            self.languageChanged.emit(language)
        return language

    def translated(self) -> bool:
        """Whether LossLab's own translation is installed (False for English)."""
        return self.language != "en" and any(
            not isinstance(t, QtCatalogueGaps) for t in self._translators
        )


_manager: LanguageManager | None = None


def manager() -> LanguageManager:
    global _manager
    if _manager is None:
        _manager = LanguageManager()
    return _manager


def current_language() -> str:
    return manager().language


def set_language(language: str, save: bool = False) -> str:
    """Switch the whole UI to ``language``; with ``save``, remember it for the next start."""
    language = manager().set_language(language)
    if save:
        from desktop_app.documents import user_settings

        user_settings().setValue(SETTINGS_KEY, language)
    return language


def initial_language(requested: str | None = None) -> str:
    """The command line's choice, else the saved one, else the system's."""
    if requested in LANGUAGES:
        return requested
    from desktop_app.documents import user_settings

    saved = user_settings().value(SETTINGS_KEY, "", type=str)
    return saved if saved in LANGUAGES else system_language()


# -- fonts ---------------------------------------------------------------------------------------

_registered: list[str] = []


def register_fonts() -> list[str]:
    """Register the bundled fonts and make them the fallback for characters the UI font lacks.

    ``resources/fonts`` holds a subset of Noto Sans CJK SC (every Chinese character LossLab shows
    plus the common GB 2312 ones), so Chinese never renders as boxes on a system without a CJK
    font. Returns the registered families (once per process).
    """
    if _registered or QGuiApplication.instance() is None:
        return list(_registered)
    for path in sorted(FONTS_DIR.glob("*.[ot]tf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            _registered.extend(QFontDatabase.applicationFontFamilies(font_id))
    if _registered:
        # A font's family list is its fallback order: Latin from the UI font, CJK from ours.
        font = QFont(QGuiApplication.font())
        # The real family behind an alias such as "Sans Serif": in a family list an alias that
        # names no installed family is skipped, and ours would become the Latin font too.
        families = [QFontInfo(font).family()]
        font.setFamilies(families + [f for f in _registered if f not in families])
        QGuiApplication.setFont(font)
    return list(_registered)


def cjk_family() -> str | None:
    """The registered CJK family, if the bundled font was found."""
    return _registered[0] if _registered else None


def check_installation() -> str:
    """What the Chinese UI needs, in one line (for ``losslab self-test``); raises
    :class:`TranslationError` naming the first missing piece. Needs the QApplication."""
    ours = qm_path("zh")
    if ours is None:
        raise TranslationError(f"no Chinese translation: {ts_path('zh').name} missing or not built")
    translator = QTranslator()
    if not translator.load(str(ours)) or not translator.translate("MainWindow", "&File"):
        raise TranslationError(f"{ours} does not load")
    qt_own = qt_translation_path("zh")
    if qt_own is None:
        raise TranslationError("Qt's qtbase_zh_CN.qm not found")
    family = (register_fonts() or [None])[0]
    if family is None:
        raise TranslationError(f"no CJK font in {FONTS_DIR}")
    return f"Chinese UI: {ours.name}, {qt_own.name}, font {family!r}"


# -- maintenance: python -m desktop_app.i18n update|build -----------------------------------------


def update_sources() -> int:
    """Refresh every ``.ts`` from the ``desktop_app`` sources (existing translations are kept)."""
    tool = _qt_tool("lupdate")
    if tool is None:
        print("lupdate not found (it ships with PySide6-Essentials)", file=sys.stderr)
        return 1
    sources = sorted(str(p) for p in SOURCE_DIR.rglob("*.py"))
    code = 0
    for language in QT_LOCALES:
        if language != "en":
            command = [tool, "-no-obsolete", "-locations", "none", *sources, "-ts"]
            code |= subprocess.call([*command, str(ts_path(language))])
    return code


def build_translations() -> list[Path]:
    """Compile every ``.ts`` to the ``.qm`` beside it (for wheels and bundles)."""
    built = []
    for ts in sorted(TRANSLATIONS_DIR.glob("*.ts")):
        compile_ts(ts, ts.with_suffix(".qm"))
        built.append(ts.with_suffix(".qm"))
    return built


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["update"]:
        return update_sources()
    if argv == ["build"]:
        for path in build_translations():
            print(f"wrote {path}")
        return 0
    print("usage: python -m desktop_app.i18n update|build", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
