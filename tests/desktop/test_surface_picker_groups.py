"""The surface picker's combo, grouped by shape (the test functions' groups from core)."""

from __future__ import annotations

import pytest

from core.surfaces.library import (
    BUILTIN_GROUPS,
    BUILTIN_NAMES,
    GROUP_ORDER,
    builtin_surface,
)


@pytest.fixture(scope="module")
def picker(qapp):
    from desktop_app.surface_lab.surface_picker import SurfacePicker

    widget = SurfacePicker()
    yield widget
    widget.close()
    widget.deleteLater()


def _rows(picker) -> list[tuple[str, object, bool]]:
    """(text, data, kind) per combo row: kind is "separator", "title" or "item"."""
    from PySide6.QtCore import Qt

    combo = picker.builtin
    rows = []
    for i in range(combo.count()):
        if combo.itemData(i, Qt.ItemDataRole.AccessibleDescriptionRole) == "separator":
            kind = "separator"
        elif not combo.model().item(i).isSelectable():
            kind = "title" if str(combo.itemData(i)).startswith("group:") else "disabled"
        else:
            kind = "item"
        rows.append((combo.itemText(i), combo.itemData(i), kind))
    return rows


def test_the_picker_lists_every_surface_in_its_group(picker):
    rows = _rows(picker)
    titles = picker.group_titles()
    sections: list[list[tuple[str, object, str]]] = [[]]
    for row in rows:
        if row[2] == "separator":
            sections.append([])
        else:
            sections[-1].append(row)
    # The teaching surfaces open the list without a title; then one titled section per group.
    assert set(titles) == set(GROUP_ORDER[1:])
    assert [data for _, data, _ in sections[0]] == list(BUILTIN_GROUPS[GROUP_ORDER[0]])
    for section, group in zip(sections[1:], GROUP_ORDER[1:], strict=False):
        (title_text, title_data, kind), *items = section
        assert (title_text, title_data, kind) == (titles[group], f"group:{group}", "title")
        assert [data for _, data, _ in items] == list(BUILTIN_GROUPS[group])
        assert all(kind == "item" for *_, kind in items)
        assert [text for text, _, _ in items] == [
            builtin_surface(name).text("title", "en") for name in BUILTIN_GROUPS[group]
        ]
    # ... and the formula, drawing and data rows come last, after a separator.
    assert [data for _, data, _ in sections[len(GROUP_ORDER)]] == ["formula", "drawn", "data"]
    chosen = [data for _, data, kind in rows if kind == "item" and data in BUILTIN_NAMES]
    assert sorted(chosen) == sorted(BUILTIN_NAMES)


def test_a_group_title_cannot_be_chosen(picker):
    from PySide6.QtCore import Qt

    index = picker.builtin.findData("group:bowls")
    assert picker.builtin.itemText(index) == "Bowls"
    flags = picker.builtin.model().item(index).flags()
    assert not flags & Qt.ItemFlag.ItemIsEnabled and not flags & Qt.ItemFlag.ItemIsSelectable


def test_choosing_a_test_function_requests_it(picker, qtbot):
    requested: list[dict] = []
    picker.surfaceRequested.connect(requested.append)
    picker.builtin.setCurrentIndex(picker.builtin.findData("eggholder"))
    assert requested == [{"builtin": "eggholder"}]
    assert picker.note.text() == builtin_surface("eggholder").text("note", "en")


def test_group_titles_follow_the_language(picker, qtbot):
    from desktop_app import i18n

    try:
        i18n.set_language("zh")
        qtbot.waitUntil(
            lambda: picker.builtin.itemText(picker.builtin.findData("group:bowls")) != "Bowls"
        )
        assert picker.builtin.itemText(picker.builtin.findData("group:bowls")) == "碗形"
        assert picker.builtin.itemText(picker.builtin.findData("group:steep")) == "陡峭的山脊与落差"
        eggholder = picker.builtin.findData("eggholder")
        assert picker.builtin.itemText(eggholder) == builtin_surface("eggholder").text(
            "title", "zh"
        )
    finally:
        i18n.set_language("en")
    bowls = picker.builtin.findData("group:bowls")
    qtbot.waitUntil(lambda: picker.builtin.itemText(bowls) == "Bowls")
