"""A k-fold run's epoch line shows the cross-validation estimate: the folds' mean validation
loss ± 1 sd (the band's: numpy's std, ddof 0) at the last epoch every fold reached, and the number
of folds; a single network's line has none; the estimate follows the language."""

import numpy as np
import pytest

from desktop_app import i18n
from tests.desktop.conftest import network_lab_page

FOLDS = 5


@pytest.fixture(scope="module")
def page(qapp):
    """One page for the module: its default network, then a 5-fold run of 3 epochs drawn."""
    with network_lab_page() as lab:
        yield lab


def train_kfold(page, epochs: int = 3) -> None:
    from desktop_app.network_lab.settings import default_settings

    settings = default_settings()
    settings["training"] = {**settings["training"], "epochs": epochs, "kfold": FOLDS}
    page.set_playing(False)
    page.wait_idle(30)
    page.model.settings = settings
    assert page.wait_for(lambda: page.kind == "kfold" and page.epochs_done() == 0, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    page.draw()


def fold_estimate(page) -> tuple[float, float]:
    """Mean and sd over the folds of the validation loss at the last epoch all reached, from
    the recorded columns."""
    columns = [history.columns["val_loss"] for history in page.history.values()]
    reached = min(len(column) for column in columns)
    latest = np.array([column[reached - 1] for column in columns])
    return float(latest.mean()), float(np.std(latest, ddof=0))


def test_a_single_network_shows_no_estimate(page):
    page.draw()
    assert page.kind == "single"
    assert "folds" not in page.epoch_label.text()


def test_the_epoch_line_shows_the_folds_mean_and_sd(page):
    train_kfold(page)
    assert len(page.history) == FOLDS
    assert all(len(history) == 4 for history in page.history.values())  # epochs 0-3
    mean, sd = fold_estimate(page)
    assert sd > 0  # the folds differ: a wrong spread cannot pass by accident
    expected = f"{FOLDS} folds · validation loss {mean:.3g} ± {sd:.3g} (mean ± 1 sd)"
    text = page.epoch_label.text()
    assert text.startswith(expected), text
    assert "epoch 3" in text  # the fold on view's line follows
    # the same numbers as the band drawn on the loss plot, at its last epoch
    band_mean = page.curves.mean_curve.yData  # the data set, not the log-scaled display
    upper = page.curves.band_curves[0].yData
    assert band_mean[-1] == pytest.approx(mean) and upper[-1] - band_mean[-1] == pytest.approx(sd)


def test_the_estimate_in_chinese(page):
    mean, sd = fold_estimate(page)
    try:
        i18n.set_language("zh")
        page.draw()
        text = page.epoch_label.text()
    finally:
        i18n.set_language("en")
        page.draw()
    assert text.startswith(f"{FOLDS} 折 · 验证损失 {mean:.3g} ± {sd:.3g}"), text
