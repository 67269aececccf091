"""The Data page's cloud of minibatch gradients and noise scale B_simple, and the batch-size
experiment's B_simple marker and knee, checked against core for what the page shows."""

import numpy as np
import pytest

from core.data_lab import (
    DEFAULT_SETTINGS,
    arrow_references,
    arrow_scale,
    cloud_tips,
    compact_number,
    ellipse_points,
    gradient_cloud,
)
from core.experiments import batch_axis_position, knee_batch_size, updates_to_reach
from core.noise_scale import surface_noise_scale
from tests.desktop.conftest import dispose


@pytest.fixture(scope="module")
def page(qapp):
    from desktop_app.app import create_application
    from desktop_app.data_lab import page as page_module
    from desktop_app.data_lab.page import DataLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(page_module, "RASTER_RESOLUTION", 32)  # the maps are not under test
        create_application()
        widget = DataLabPage()
        widget.resize(1280, 720)
        widget.show()
        assert widget.wait_idle(60)
        yield widget
        widget.shutdown()
        dispose(widget)


def show(page, key="generalization", batch=4, step=10, steps=20):
    """Comparison ``key`` with ``steps`` updates of ``batch`` examples, paused at ``step`` with
    its cloud computed."""
    if page.current_comparison() != key:  # a new comparison rebuilds both surfaces: seconds
        page.model.update_settings(**DEFAULT_SETTINGS)
        page.set_comparison(key)
    page.model.update_settings(run={**page.model.settings["run"], "steps": steps})
    page.set_batch_size(batch)
    assert page.wait_idle(60)
    page.seek(step)  # paused: the page asks for the cloud at this point
    assert page.wait_idle(60)
    page._frame()


def expected_cloud(page, side="left", step=10):
    history = page.histories[side]
    point = history.positions[history.last_row(step)]
    surface = page.surfaces[side]
    cloud = gradient_cloud(surface, point, page.cloud_batch_size(side))
    reference = arrow_references(page.histories, step, page.current_comparison())[side]
    return surface, point, cloud, reference


def plotted(page, side="left"):
    return np.c_[page.cloud_dots[side].getData()]


def test_the_cloud_is_core_s_minibatch_steps_around_the_full_gradient(page):
    show(page, batch=4, step=10)
    surface, point, cloud, reference = expected_cloud(page)
    assert cloud.batch_size == 4
    np.testing.assert_allclose(
        plotted(page), cloud_tips(point, cloud.cloud, reference, surface.x_range), rtol=1e-12
    )
    assert len(plotted(page)) == 200
    # the ellipse: 2 sigma of the exact minibatch covariance around the full gradient's tip
    centre = cloud_tips(point, cloud.full[None], reference, surface.x_range)[0]
    scale = arrow_scale(reference, surface.x_range)
    ring = ellipse_points(centre, cloud.covariance, scale)
    np.testing.assert_allclose(np.c_[page.cloud_ellipses["left"].getData()], ring, rtol=1e-12)
    # the white full-batch arrow points at the ellipse's centre
    full_arrow, _ = page.arrows["left"]
    np.testing.assert_allclose(full_arrow.ends[1], centre, rtol=1e-9)
    # train vs test: the cloud only on the training surface
    assert len(page.cloud_dots["right"].getData()[0]) == 0


def test_the_shown_noise_scale_is_core_s(page):
    show(page, batch=4, step=10)
    history = page.histories["left"]
    b_simple = surface_noise_scale(page.surfaces["left"], history.positions[10]).b_simple
    text = page.noise_label.text()
    assert text.startswith(f"noise scale at step 10: B_simple = {compact_number(b_simple)};")
    assert "batch in use: 4." in text and "noise-dominated" in text
    assert 1 < b_simple < 1000


def test_both_panels_show_their_noise_scale(page):
    show(page, key="normalization", batch=8, step=5, steps=10)
    values = [
        compact_number(
            surface_noise_scale(page.surfaces[side], page.histories[side].positions[5]).b_simple
        )
        for side in ("left", "right")
    ]
    assert page.noise_label.text().startswith(
        f"noise scale at step 5: B_simple = {values[0]} (raw features), "
        f"{values[1]} (normalized features); batch in use: 8."
    )
    for side in ("left", "right"):
        surface, point, cloud, reference = expected_cloud(page, side, step=5)
        np.testing.assert_allclose(
            plotted(page, side), cloud_tips(point, cloud.cloud, reference, surface.x_range)
        )


def test_a_larger_batch_shrinks_the_cloud_and_the_full_batch_has_none(page):
    spreads = {}
    for batch in (2, 32):
        show(page, batch=batch, step=0)  # the start: one point and one arrow scale for both
        assert page.clouds["left"].batch_size == batch
        spreads[batch] = np.trace(np.cov(plotted(page).T))
    assert spreads[32] < spreads[2] / 4  # Sigma / B: a sixteenth, times (N - B) / (N - 1)
    show(page, batch=None, step=10)
    assert len(page.cloud_dots["left"].getData()[0]) == 0
    assert "batch in use: the full batch (no noise)." in page.noise_label.text()


def test_the_cloud_waits_while_playing(page):
    show(page, batch=4, step=5)
    page.set_playing(True)
    page.seek(8)  # seek pauses: a new point, a new cloud
    assert page.wait_idle(60)
    page._frame()
    assert page.clouds["left"].point == tuple(page.histories["left"].positions[8])
    page.playback.play(page.max_step())
    page.cursor = 14.0  # playing, at a point without a cloud: nothing is asked for
    page._dirty = True
    page._frame()
    assert page.playing and not page._cloud_requested
    assert len(page.cloud_dots["left"].getData()[0]) == 0  # the old point's cloud is not shown
    page.set_playing(False)  # paused: the shown point's cloud is asked for
    page._frame()
    shown = tuple(page.histories["left"].positions[int(page.cursor)])
    assert page._cloud_requested["left"] == (shown, 4)
    assert page.wait_idle(60)


def rows_for(b_simple):
    """Experiment rows on 100 examples whose updates follow McCandlish et al.'s model."""
    rows = []
    for batch, updates in ((1, 40), (8, 8), (64, 5), (None, 5)):
        for seed in range(2):
            losses = [10.0] * updates + [0.5] * 3
            rows.append(
                {
                    "batch_size": batch,
                    "label": "full" if batch is None else str(batch),
                    "seed": seed,
                    "train_loss": 0.5,
                    "test_loss": 0.7,
                    "sharpness": 2.0,
                    "losses": losses,
                    "n_examples": 100,
                    "b_simple_start": b_simple,
                }
            )
    return rows


def test_the_experiment_marks_b_simple_and_says_where_the_knee_falls(page, qapp):
    from desktop_app import i18n

    view = page.batch_view
    rows = rows_for(6.0)
    view.start(["1", "8", "64", "full"], len(rows))
    for row in rows:
        view.add_row(row)
    view.finish()
    position = batch_axis_position(6.0, [1, 8, 64, None], 100)
    for line in view.noise_lines.values():
        assert line.isVisible() and line.value() == pytest.approx(position)
    assert 0 < position < 1
    reach = updates_to_reach(rows)
    x, y = view.updates_curve.getData()
    np.testing.assert_allclose(10**y, [e["updates"] for e in reach["entries"]])
    np.testing.assert_allclose(x, [0, 1, 2, 3])
    x, y = view.epochs_curve.getData()
    np.testing.assert_allclose(10**y, [e["epochs"] for e in reach["entries"]])
    knee = knee_batch_size(reach["entries"], 100)
    status = view.header.status.text()
    assert f"B_simple = 6. To reach loss {reach['target']:.3g}" in status
    assert status.endswith(f"falls near batch {compact_number(knee)}.")
    try:
        i18n.set_language("zh")
        qapp.processEvents()
        assert "拐点" in view.header.status.text() and "B_simple = 6" in view.header.status.text()
        assert view.reach_plot.getPlotItem().titleLabel.text == "达到该损失"
    finally:
        i18n.set_language("en")
        qapp.processEvents()
    view.clear()
    assert not any(line.isVisible() for line in view.noise_lines.values())


def test_the_noise_scale_is_translated_whole(page, qapp):
    from desktop_app import i18n

    show(page, batch=4, step=10)
    try:
        i18n.set_language("zh")
        qapp.processEvents()
        page._frame()
        text = page.noise_label.text()
        assert text.startswith("第 10 步的噪声尺度：B_simple = ") and "当前批次：4" in text
        assert "2σ 椭圆" in page.arrow_legend.text()
        show(page, batch=None, step=10)
        assert "全批次（没有噪声）" in page.noise_label.text()
    finally:
        i18n.set_language("en")
        qapp.processEvents()
    page._frame()
    assert page.noise_label.text().startswith("noise scale at step 10")
