"""The built-in lessons: every one loads and runs headless, shows what it claims, and the lesson
browser lists them by chapter and opens one into the Surface Lab."""

import json
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

import resources
from core.lessons import CHAPTERS, LESSON_ORDER, list_lessons
from core.runner import run_scene
from core.scene import load_scene

SCENE_FILES = sorted(resources.path("scenes").glob("*.json"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("path", SCENE_FILES, ids=lambda p: p.stem)
def test_every_built_in_scene_loads_and_runs_ten_steps(path):
    scene = load_scene(path)  # a SceneError names the file and the field
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        result = run_scene(scene, steps=10, device="cpu")
    except Exception as error:
        if "network" in data:  # network scenes are run by the Network Lab's own engine
            pytest.skip(f"{path.name} loads; core.runner cannot run network scenes ({error})")
        raise
    if "network" in data:  # one trained network per scene, steps = epochs
        assert result["runs"] and all(run["status"] == "ok" for run in result["runs"])
        return
    assert len(result["runs"]) == len(scene.runs) > 0
    for run in result["runs"]:
        positions = np.asarray(run["positions"], dtype=float)
        assert positions.shape[0] == 11  # the start and 10 steps
        assert np.isfinite(np.asarray(run["loss"], dtype=float)[0])


def test_at_least_fifteen_bilingual_lessons_cover_every_chapter():
    lessons = list_lessons()
    assert len(lessons) >= 15
    assert {lesson.chapter for lesson in lessons} >= set(CHAPTERS)
    for lesson in lessons:
        assert lesson.chapter in CHAPTERS, lesson.key
        assert lesson.title_en and lesson.description_en, lesson.key
        assert CJK.search(lesson.title_zh) and CJK.search(lesson.description_zh), lesson.key
    order = [list(CHAPTERS).index(lesson.chapter) for lesson in lessons]
    assert order == sorted(order)  # grouped in the notes' order


def test_lesson_order_names_real_lessons():
    keys = {path.stem for path in SCENE_FILES}
    assert set(LESSON_ORDER) <= keys


# -- each lesson shows what it says (full headless runs) ------------------------------------------


def run(key):
    result = run_scene(load_scene(resources.path("scenes", f"{key}.json")), device="cpu")
    return {r["label"]: r for r in result["runs"]}


def array(run, what="positions"):
    return np.asarray(run[what], dtype=float)


def test_stuck_high_is_optimization_not_model_bias():
    runs = run("optimization_or_model_bias")
    losses = [array(r, "loss")[-1] for r in runs.values()]
    assert losses[0] == pytest.approx(0.5419, abs=1e-3) and losses[1] == pytest.approx(
        0.5419, abs=1e-3
    )
    assert losses[2] < 1e-3


def test_newton_stops_at_a_saddle_and_at_the_maximum():
    from core.surfaces.library import builtin_surface

    kinds = {
        (round(p.x, 3), round(p.y, 3)): p.kind
        for p in builtin_surface("himmelblau").critical_points
    }
    runs = run("newton_finds_any_critical_point")
    ends = [tuple(np.round(array(r)[-1], 3)) for r in runs.values()]
    assert [kinds.get(end) for end in ends[:3]] == ["saddle", "maximum", "minimum"]
    assert kinds.get(ends[3]) == "minimum"  # gradient descent from the saddle's start


def test_momentum_escapes_the_shallow_minimum():
    plain, momentum = run("momentum_local_minimum").values()
    assert array(plain, "loss")[-1] == pytest.approx(0.5419, abs=1e-3)
    assert array(momentum, "loss")[-1] < 1e-6


def test_momentum_speeds_up_on_the_ravine():
    plain, momentum = (array(r, "loss") for r in run("momentum_ravine").values())
    first = lambda loss: int(np.argmax(loss < 1e-3))  # noqa: E731
    assert first(momentum) * 3 < first(plain)


def test_the_two_momentum_formulas_trace_one_path():
    lecture, ema, torch_sgd, ema_small = (array(r) for r in run("momentum_two_formulas").values())
    np.testing.assert_allclose(ema, lecture, atol=1e-9)
    np.testing.assert_allclose(torch_sgd, lecture, atol=1e-9)
    assert np.abs(ema_small - lecture).max() > 0.5


def test_stuck_sgd_has_a_large_gradient_while_adam_descends():
    sgd, adam = run("stuck_but_gradient_large").values()
    loss = array(sgd, "loss")
    assert loss[-1] > 0.5 * loss[0]  # barely falls ...
    assert np.linalg.norm(array(sgd, "grad")[-1]) > 10  # ... with a large gradient
    assert array(adam, "loss")[-1] < 1e-4


def test_adagrad_step_decays_while_rmsprop_keeps_its_step():
    adagrad, rmsprop = (
        np.linalg.norm(np.diff(array(r), axis=0), axis=1)
        for r in run("adagrad_step_decays").values()
    )
    assert adagrad[-1] < adagrad[0] / 20
    assert rmsprop[-1] == pytest.approx(0.1, rel=0.1)  # the RMSprop run's lr
    ends = [array(r)[-1, 0] for r in run("adagrad_step_decays").values()]
    assert ends[1] == pytest.approx(8.0, abs=0.05) and ends[0] < 6


def test_warm_up_avoids_the_early_blow_up():
    constant, warm = (array(r, "loss") for r in run("warmup_rmsprop").values())
    assert constant[1:20].max() > 5 * constant[0]
    assert warm[1:].max() <= warm[0]
    assert warm[-1] < constant[-1]


def test_decay_settles_where_a_constant_rate_keeps_hopping():
    constant, step, cosine = (array(r, "loss")[-1] for r in run("decay_settles").values())
    assert constant > 1e-2
    assert step < 1e-6 and cosine < 1e-6


def test_mse_is_flat_where_cross_entropy_is_steep():
    mse = next(iter(run("loss_mse_classifier").values()))  # from the confidently wrong start
    ce = next(iter(run("loss_cross_entropy_classifier").values()))
    mse_grad, ce_grad = (np.linalg.norm(array(r, "grad")[0]) for r in (mse, ce))
    assert ce_grad > 100 * mse_grad
    loss = array(mse, "loss")
    assert loss[-1] > 0.95 * loss[0]  # 300 steps at lr 1: still on the plateau
    loss = array(ce, "loss")
    assert loss[-1] < 0.1 * loss[0] and np.linalg.norm(array(ce, "grad")[-1]) < 1e-6


def test_normalizing_features_allows_a_large_learning_rate():
    slow, too_large = run("features_raw_scales").values()
    assert slow["status"] == "ok" and too_large["status"] == "diverged"
    fast = next(iter(run("features_normalized").values()))
    assert array(fast, "loss")[10] < 1e-6


def test_weight_decay_ends_at_the_ridge_solution():
    a, lam = np.array([1.0, 2.0]), 0.3
    ridge = 2 * a / (a @ a + lam)  # argmin 0.5 (a.w - 2)^2 + 0.5 lam |w|^2
    plain_1, plain_2, decay_1, decay_2 = (
        array(r)[-1] for r in run("weight_decay_small_weights").values()
    )
    np.testing.assert_allclose(decay_1, ridge, atol=1e-3)
    np.testing.assert_allclose(decay_2, ridge, atol=1e-3)
    assert np.linalg.norm(plain_1 - plain_2) > 1  # without decay the end depends on the start


def test_early_stopping_ends_near_the_weight_decay_solution():
    full, early, decay = (array(r)[-1] for r in run("early_stopping_like_weight_decay").values())
    np.testing.assert_allclose(full, [1.0, 3.0], atol=0.02)
    assert np.linalg.norm(early - decay) < 0.05


def test_learning_rate_too_small_right_and_too_large():
    small, right, large = run("learning_rate_three_ways").values()
    assert array(small, "loss")[-1] > 0.1
    assert array(right, "loss")[-1] < 1e-10
    assert large["status"] == "diverged"


def test_too_much_momentum_circles_the_minimum():
    none, good, too_much = (array(r, "loss")[-1] for r in run("momentum_how_much").values())
    assert good < 1e-5 < none and too_much > 1


# -- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_browser(qapp):
    """One browser for the module (no progress: tests give it one)."""
    from desktop_app.app import create_application
    from desktop_app.i18n import set_language
    from desktop_app.lessons import LessonBrowser
    from tests.desktop.conftest import dispose

    create_application()
    set_language("en")
    widget = LessonBrowser()
    widget.resize(1000, 700)
    widget.show()
    yield widget
    dispose(widget)


@pytest.fixture
def browser(module_browser):
    """The browser with an empty search, no progress, the first lesson selected."""
    module_browser.filter.clear()
    module_browser.set_progress(None)
    module_browser.select(list_lessons()[0].key)
    return module_browser


def test_the_browser_lists_the_lessons_by_chapter(browser):
    lessons = list_lessons()
    chapters = list(dict.fromkeys(lesson.chapter for lesson in lessons))
    assert browser.chapter_titles() == [CHAPTERS[c]["en"] for c in chapters]
    for row, chapter in enumerate(chapters):
        expected = [lesson.title_en for lesson in lessons if lesson.chapter == chapter]
        assert browser.lesson_titles(row) == expected


def test_selecting_a_lesson_shows_its_description(browser):
    assert browser.select("warmup_rmsprop")
    lesson = browser.current_lesson()
    assert browser.title.text() == lesson.title_en
    assert browser.description.text() == lesson.description_en
    assert "RMSprop, constant η" in browser.runs.text()


def test_the_filter_hides_other_lessons(browser):
    browser.filter.setText("GUESS")  # case-insensitive, in either language
    shown = [
        item.text(0)
        for row in range(browser.tree.topLevelItemCount())
        for item in [
            browser.tree.topLevelItem(row).child(i)
            for i in range(browser.tree.topLevelItem(row).childCount())
        ]
        if not item.isHidden()
    ]
    assert "Warm-up: small steps while σ is still a guess" in shown
    by_title = {lesson.title_en: lesson for lesson in list_lessons()}
    for title in shown:  # in the title or the description, in either language
        lesson = by_title[title]
        texts = (lesson.title_en, lesson.title_zh, lesson.description_en, lesson.description_zh)
        assert any("guess" in text.casefold() for text in texts)
    assert len(shown) < len(by_title)


def test_every_lesson_has_a_thumbnail_shown_in_the_list_and_the_details(browser):
    from PySide6.QtGui import QPixmap

    from desktop_app.lessons.thumbnails import SIZE, thumbnail_path

    for lesson in list_lessons():
        picture = QPixmap(str(thumbnail_path(lesson.key)))
        assert not picture.isNull(), lesson.key
        assert (picture.width(), picture.height()) == SIZE, lesson.key
        # not a blank picture: the map or the curves have many colours
        image = picture.toImage().scaled(40, 25)
        colours = {image.pixel(x, y) for x in range(40) for y in range(25)}
        assert len(colours) > 20, lesson.key
    icons = [item.icon(0) for item in browser._lesson_items()]
    assert len(icons) == len(list_lessons()) and not any(icon.isNull() for icon in icons)
    browser.select("saddle_escape")
    assert browser.thumbnail.pixmap().size().width() == SIZE[0]


def test_the_details_name_the_chapter_of_the_notes(browser):
    browser.select("saddle_escape")
    assert browser.chapter.text() == "From the notes: Critical points and the Hessian"


def test_the_search_finds_words_of_the_descriptions_in_both_languages(browser):
    lessons = list_lessons()

    def having(word):
        return [
            lesson.key
            for lesson in lessons
            if any(
                word.casefold() in text.casefold()
                for text in (
                    lesson.title_en,
                    lesson.title_zh,
                    lesson.description_en,
                    lesson.description_zh,
                )
            )
        ]

    browser.filter.setText("pytorch")  # only in descriptions (English)
    assert "loss_cross_entropy_classifier" in browser.shown_keys()
    assert browser.shown_keys() == having("pytorch")
    assert not any("pytorch" in lesson.title_en.casefold() for lesson in lessons)
    browser.filter.setText("标准化")  # only in a Chinese description
    assert browser.shown_keys() == having("标准化") == ["features_normalized"]
    browser.filter.setText("no lesson says this")
    assert browser.shown_keys() == [] and browser.chapter_titles()
    browser.filter.clear()
    assert browser.shown_keys() == [lesson.key for lesson in lessons]


def test_the_open_button_says_where_the_lesson_opens(browser):
    browser.select("network_overfitting")
    assert browser.open_button.text() == "Open in the Network Lab"
    browser.select("saddle_escape")
    assert browser.open_button.text() == "Open in the Surface Lab"


def test_done_lessons_get_a_check_mark_and_their_answers_show(browser, tmp_path):
    from core.lesson_progress import Answer, LessonProgress

    progress = LessonProgress(tmp_path)
    progress.mark_done("race_rosenbrock")
    progress.mark_done("saddle_escape")
    progress.record_answer("saddle_escape", 2, Answer(picked=1, right=1))
    progress.record_answer("saddle_escape", 3, Answer(picked=0, right=1))
    assert browser.done_keys() == []
    browser.set_progress(LessonProgress(tmp_path))  # read back from the file
    order = [lesson.key for lesson in list_lessons()]
    expected = sorted(["race_rosenbrock", "saddle_escape"], key=order.index)
    assert browser.done_keys() == expected
    browser.select("saddle_escape")
    if browser.guide.text():  # the lesson has beats
        assert "predictions held: 1 of 2" in browser.guide.text()
    browser.set_progress(None)
    assert browser.done_keys() == []


def test_double_clicking_a_lesson_opens_it_in_the_surface_lab(window, qtbot):
    browser = window.lessons
    window.pages.setCurrentWidget(browser)
    qtbot.waitExposed(browser)
    assert browser.select("learning_rate_three_ways")
    item = browser.tree.currentItem()
    browser.tree.scrollToItem(item)
    centre = browser.tree.visualItemRect(item).center()
    # A real double-click: press and release, then the double-click press (Qt item views
    # activate only an item that the first press hit).
    qtbot.mouseClick(browser.tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(browser.tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    lab = window.surface_lab
    assert window.pages.currentWidget() is lab
    labels = [lab.runs[run_id].label for run_id in lab.runs]
    assert labels == ["η = 0.005: too small", "η = 0.09: about right", "η = 0.105: too large"]
    path = resources.path("scenes", "learning_rate_three_ways.json")
    guided = bool(load_scene(path).beats)
    if guided:  # a guided lesson waits on its first beat
        assert not lab.playing and lab.current_step() == 0
        assert window.player.isVisible() and window.player.index == 0
    else:
        assert lab.playing  # a lesson opens ready to play
    assert window.windowTitle().startswith("Learning rate: too small, about right, too large")
    note = lab.lesson_note
    assert note.isVisible() and "Learning rate: too small" in note.text()
    # the description is above the map unless the beat bar tells the story
    assert ("stability limit" in note.text()) != guided


def test_the_open_button_opens_the_selected_lesson(window):
    browser = window.lessons
    browser.select("decay_settles")
    browser.open_button.click()
    lab = window.surface_lab
    assert lab.surface_config["formula"].startswith("sqrt(x^2 + y^2")
    assert len(lab.runs) == 3
