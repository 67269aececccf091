"""The batch-size experiment's summary and table on the Data & batches page.

The summary never names a diverged batch size as the best, says so when every sharpness is the
same (a quadratic loss has one Hessian) instead of naming the first of a tie, and says so when
every run diverged. The table's headers and numbers stay readable at projector sizes, in English
and in Chinese. One main window for the module, resized between cases.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from tests.desktop.conftest import data_page_window

SIZES = ((1280, 720), (1024, 768))


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    with data_page_window(light_scene, tmp_path_factory.mktemp("user-data")) as main:
        yield main


@pytest.fixture
def view(window):
    page = window.data_lab
    page.bottom.setCurrentWidget(page.batch_view)
    yield page.batch_view
    page.batch_view.clear()


def settle(qapp) -> None:
    for _ in range(3):
        qapp.processEvents()
        time.sleep(0.04)
    qapp.processEvents()


def row(label, seed, train, test, sharpness, **more):
    return {
        "batch_size": None if label == "full" else int(label),
        "label": label,
        "seed": seed,
        "train_loss": train,
        "test_loss": test,
        "sharpness": sharpness,
        **more,
    }


def run(view, rows) -> str:
    """Show ``rows`` as the experiment would and return the summary it ends with."""
    labels = list(dict.fromkeys(r["label"] for r in rows))
    view.start(labels, len(rows))
    for each in rows:
        view.add_row(each)
    view.finish()
    return view.header.status.text()


def test_a_normal_experiment_names_the_lowest_and_the_flattest(view):
    rows = [row("1", s, 0.3, 0.5, 2.0) for s in range(2)]
    rows += [row("8", s, 0.2, 0.9, 5.0) for s in range(2)]
    rows += [row("full", s, 0.1, 1.2, 9.0) for s in range(2)]
    assert run(view, rows) == (
        "done: 6 runs. Lowest test loss with batch 1; flattest end with batch 1."
    )
    rows[0]["sharpness"] = rows[1]["sharpness"] = 12.0  # batch 8 the flattest now
    assert run(view, rows).endswith("flattest end with batch 8.")


def test_equal_sharpness_names_no_batch_and_a_diverged_batch_is_left_out(view, qapp):
    from desktop_app import i18n

    # The walk's case: a quadratic loss (one sharpness), batch 1 diverged with a huge loss that
    # min() would never pick, and a flattest "batch 1" only because it came first.
    losses = [132.9, 5.0e4, 1.4e6]
    rows = [row("1", s, 1.4e6, 1.39e6, 18.26114, diverged=True, losses=losses) for s in range(2)]
    rows += [row("8", s, 1.28, 1.83, 18.26114, diverged=False) for s in range(2)]
    rows += [row("full", s, 0.252, 1.73, 18.26114 * (1 + 1e-9)) for s in range(2)]
    status = run(view, rows)
    assert status == (
        "done: 6 runs. Lowest test loss with batch full; the same sharpness with every batch "
        "size. Diverged and left out: batch 1."
    )
    assert view.table.item(0, 2).text() == "1.4e+06"  # 3 significant digits, more on hover
    assert view.table.item(0, 2).toolTip() == "1.4e+06: this run diverged"
    assert view.table.item(2, 2).toolTip() == "1.28" and view.table.item(2, 4).text() == "18.3"
    assert view.table.item(4, 3).text() == "1.73" and view.table.item(4, 4).text() == "18.3"
    try:
        i18n.set_language("zh")
        qapp.processEvents()
        status = view.header.status.text()
        assert "所有批次大小的尖锐度都相同" in status and "未参与比较：批次 1。" in status
        assert "最低的是批次 全批次" in status and "same" not in status
    finally:
        i18n.set_language("en")
        qapp.processEvents()


def test_a_diverged_batch_is_never_the_lowest_or_the_flattest(view):
    # A non-finite loss, and a loss that exploded without the engine stopping the run, count
    # as diverged: batch 1 has the lowest sharpness and batch 8 the lowest mean test loss.
    rows = [row("1", s, 3.0, 0.4, 0.5, losses=[1.0, 5.0e3]) for s in range(2)]
    rows[0]["train_loss"] = 5663.2  # over a thousand times the start's loss
    rows += [row("8", 0, 0.2, float("nan"), 4.0), row("8", 1, 0.2, 0.1, 4.0)]
    rows += [row("64", s, 0.2, 0.8, 6.0) for s in range(2)]
    rows += [row("full", s, 0.1, 1.2, 9.0) for s in range(2)]
    assert run(view, rows) == (
        "done: 8 runs. Lowest test loss with batch 64; flattest end with batch 64. "
        "Diverged and left out: batch 1, 8."
    )
    assert view.table.item(0, 2).text() == "5.66e+03"  # 3 significant digits, never "5663.2"
    assert view.table.item(2, 3).text() == "nan" and view.table.item(3, 3).text() == "0.1"


def test_every_batch_diverged_says_so(view):
    rows = [row(label, 0, float("inf"), float("inf"), 1.0) for label in ("1", "8", "full")]
    assert run(view, rows) == (
        "done: 3 runs. Every batch size diverged, so none has the lowest test loss or the "
        "flattest end: try a smaller learning rate."
    )


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_table_headers_and_numbers_are_fully_shown(window, view, qapp, size, language):
    from desktop_app import i18n
    from tests.desktop import geometry

    rows = [row(label, s, 1.39e6, 0.123456, 18.26114) for label in ("1", "full") for s in range(5)]
    run(view, rows)
    try:
        i18n.set_language(language)  # switched at run time, after the rows are in
        window.resize(*size)
        settle(qapp)
        table = view.table
        header = table.horizontalHeader()
        metrics = QFontMetrics(header.font())
        for column in range(table.columnCount()):
            text = table.horizontalHeaderItem(column).text()
            width = header.sectionSize(column)
            assert width >= metrics.horizontalAdvance(text), (text, width)
            cells = QFontMetrics(table.font())
            for index in range(table.rowCount()):
                cell = table.item(index, column).text()
                assert width >= cells.horizontalAdvance(cell), (cell, width)
        # Every column is in view, or the table scrolls sideways to it (never cut for good).
        columns = sum(header.sectionSize(c) for c in range(table.columnCount()))
        assert columns <= table.viewport().width() or table.horizontalScrollBar().isVisible()
        if size == (1280, 720):  # room enough: the whole table without scrolling
            assert columns <= table.viewport().width()
        # The plots keep room side by side, their legends and titles inside them.
        assert view.loss_plot.width() >= 150 and view.sharp_plot.width() >= 150
        assert view.loss_plot.y() == view.sharp_plot.y()
        assert not geometry.cut_plot_texts(view), geometry.cut_plot_texts(view)
        assert view.legend.isVisible()
        legend_bottom = view.legend.mapRectToScene(view.legend.boundingRect()).bottom()
        assert legend_bottom <= view.loss_plot.viewport().height() + 2
    finally:
        i18n.set_language("en")
        window.resize(1280, 720)
        settle(QApplication.instance())


def test_a_short_view_keeps_its_explanation_as_a_tooltip(window, view, qapp):
    header = view.header
    window.resize(1280, 720)
    settle(qapp)
    assert view.height() < 420 and header.note.isHidden()
    assert header.button.toolTip() == header.note.text() != ""
    window.resize(1280, 1400)  # a tall window: the explanation is shown as text
    settle(qapp)
    try:
        assert view.height() >= 420, view.height()
        assert not header.note.isHidden() and header.button.toolTip() == ""
    finally:
        window.resize(1280, 720)
        settle(qapp)
