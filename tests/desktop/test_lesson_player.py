"""The guided-lesson player: each beat's action on the page, predictions decided by the runs
(both ways), the keys, the class vote, and the answers kept per lesson.

One window for the module; the lessons are scenes with beats written here (the shipped lessons
change while their beats are being written). The saddle scene's runs (see
resources/scenes/saddle_escape.json) give questions whose answers depend on when they are read:
at step 30 plain SGD has the lower loss, at the end SGD + momentum (far below zero).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.beats import decide
from core.lesson_progress import LessonProgress
from core.scene import parse_scene
from tests.desktop.conftest import dispose

T = {"en": "", "zh": ""}


def text(en: str) -> dict[str, str]:
    return {"en": en, "zh": en + "（中）"}


def lowest_final(step_action: dict) -> dict:
    return {
        "text": text("Which run is lower?"),
        "action": step_action,
        "question": {
            "text": text("Which run has the lower loss now?"),
            "rule": "lowest_final",
            "choices": [
                {"text": text("plain SGD"), "run": "SGD"},
                {"text": text("with momentum"), "run": "SGD + momentum"},
            ],
            "why": text("Momentum keeps its speed once it falls off the saddle."),
        },
    }


SADDLE_BEATS = [
    {"text": text("Two runs start on the ridge."), "action": {"kind": "load"}},
    {"text": text("Pause near the saddle."), "action": {"kind": "play_to", "step": 30}},
    lowest_final({"kind": "play_to", "step": 30}),
    lowest_final({"kind": "play"}),
    {"text": text("The Hessian at the saddle."), "action": {"kind": "show_hessian", "at": [0, 0]}},
    {"text": text("Step off the saddle."), "action": {"kind": "escape_saddle"}},
    {
        "text": text("A smaller learning rate."),
        "action": {"kind": "set", "run": "SGD", "path": "optimizer.lr", "value": 0.01},
    },
    {
        "text": text("Follow the momentum run."),
        "action": {"kind": "show_hessian", "run": "SGD + momentum"},
    },
    {
        "text": text("Between steps 10 and 20"),
        "action": {"kind": "play_to", "step": 20},
        "question": {
            "text": text("Does the momentum run's loss rise or fall?"),
            "rule": "change",
            "run": "SGD + momentum",
            "from_step": 10,
            "to_step": 20,
            "choices": [
                {"text": text("it falls"), "outcome": "fall"},
                {"text": text("it rises"), "outcome": "rise"},
            ],
            "why": text("It overshoots the valley and climbs the other side."),
        },
    },
]
LOWEST_AT_30, LOWEST_AT_END, CHANGE = 2, 3, 8


def saddle_data(beats=SADDLE_BEATS) -> dict:
    return {
        "format": 1,
        "title": text("Stuck at a saddle point"),
        "chapter": "critical_points",
        "surface": {"builtin": "saddle"},
        "runs": [
            {
                "label": "SGD",
                "optimizer": {"name": "sgd", "lr": 0.05},
                "start": [-1.8, 0.001],
                "steps": 70,
            },
            {
                "label": "SGD + momentum",
                "optimizer": {"name": "sgd", "lr": 0.02, "momentum": 0.9},
                "start": [-1.8, 0.001],
                "steps": 70,
            },
        ],
        "beats": beats,
    }


NETWORK_DATA = {
    "format": 1,
    "title": text("A network overfits"),
    "network": {
        "dataset": {"name": "moons", "size": 60, "noise": 0.2, "seed": 1},
        "model": {"hidden": [16, 16], "activation": "relu"},
        "loss": "cross_entropy",
        "training": {"optimizer": {"name": "adam", "lr": 0.01}, "epochs": 40},
    },
    "beats": [
        {"text": text("Epoch 0."), "action": {"kind": "load"}},
        {"text": text("Three epochs."), "action": {"kind": "train", "epochs": 3}},
        {
            "text": text("Train on."),
            "action": {"kind": "train", "epochs": 12},
            "question": {
                "text": text("Will the validation loss rise?"),
                "rule": "val_rises",
                "run": "network",
                "choices": [
                    {"text": text("yes"), "outcome": "yes"},
                    {"text": text("no"), "outcome": "no"},
                ],
                "why": text("The validation loss says whether the model generalizes."),
            },
        },
        {
            "text": text("Tune it."),
            "action": {"kind": "open_tool", "tool": "tune"},
        },
    ],
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The test lessons as files, named like built-in lessons (the browser's check mark and the
    Network Lab's experiment go by the lesson's name)."""
    folder = tmp_path_factory.mktemp("lessons")
    for name, data in (
        ("saddle_escape", saddle_data()),
        ("network_overfitting", NETWORK_DATA),
    ):
        parse_scene(data)  # the beats are valid
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("user-data")


@pytest.fixture(scope="module")
def module_window(qapp, files, data_folder):
    """One main window for the module, its progress kept in a folder of its own, the Network
    Lab training in the app's worker thread."""
    from desktop_app.app import create_application
    from desktop_app.documents import Documents
    from desktop_app.main_window import MainWindow
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.network_lab.page import NetworkLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSLAB_DATA_DIR", str(data_folder))
        patch.setenv(IN_PROCESS_ENV, "1")
        patch.setattr(Documents, "ask_save_changes", lambda self: 0x00800000)  # Discard
        create_application()
        main = MainWindow("en")
        main.resize(1300, 850)
        main.open_scene(files / "saddle_escape.json")
        main.engine_loaded("CPU", "cpu")
        main.show()
        assert main.surface_lab.wait_idle(60)
        main.surface_lab.speed = 5000  # plays in a few frames
    yield main
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Documents, "ask_save_changes", lambda self: 0x00800000)
        patch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)
        main.player.stop()
        main.surface_lab.shutdown()
        main.network_lab.shutdown()
        dispose(main)
        QApplication.processEvents()


@pytest.fixture
def window(module_window, files, qtbot):
    """The saddle lesson opened afresh (a beat may have changed its runs), on its first beat."""
    main = module_window
    assert main.open_scene(files / "saddle_escape.json", ask=False)
    main.surface_lab.speed = 5000
    assert main.surface_lab.wait_idle(30)
    return main


def shown(window, qtbot, index: int) -> None:
    """Go to beat ``index`` and wait until its action (and answer) is done."""
    window.player.go_to(index)
    wait_shown(window, qtbot)


def wait_shown(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.player.phase == "shown", timeout=30_000)


def label_at(lab, run_id):
    return lab.runs[run_id].label


# -- opening -------------------------------------------------------------------------------------


def test_a_lesson_with_beats_opens_paused_on_its_first_beat(window):
    player, lab = window.player, window.surface_lab
    assert player.isVisible() and player.key == "saddle_escape"
    assert player.counter.text() == f"Beat 1 of {len(SADDLE_BEATS)}"
    assert player.text.text() == "Two runs start on the ridge."
    assert not lab.playing and lab.current_step() == 0
    assert not player.back_button.isEnabled() and player.next_button.isEnabled()


# -- each beat type ------------------------------------------------------------------------------


def test_play_to_pauses_exactly_on_its_step_and_load_rewinds(window, qtbot):
    lab = window.surface_lab
    shown(window, qtbot, 1)
    assert lab.current_step() == 30 and not lab.playing
    shown(window, qtbot, 0)
    assert lab.current_step() == 0 and not lab.playing


def test_play_plays_to_the_end(window, qtbot):
    lab = window.surface_lab
    window.player.go_to(LOWEST_AT_END)
    window.player.reveal_without_pick()  # a question's action plays once it is answered
    assert lab.playing
    wait_shown(window, qtbot)
    assert not lab.playing and lab.current_step() == lab.max_step() == 70


def test_show_hessian_at_a_point_then_escape_the_saddle(window, qtbot):
    lab = window.surface_lab
    shown(window, qtbot, 4)
    assert lab.inspected == (0.0, 0.0)
    assert lab.bottom_tabs.currentWidget() is lab.eigen_scroll
    shown(window, qtbot, 5)
    assert lab.wait_idle(30)
    x, y = lab.inspected  # the panel follows the point one step down the negative curvature
    assert x == pytest.approx(0.0, abs=1e-9) and abs(y) > 0.01
    assert x**2 - y**2 < 0  # the loss at the saddle is 0: it fell


def test_set_changes_the_run_and_reruns_it(window, qtbot):
    lab = window.surface_lab
    window.player.go_to(LOWEST_AT_END)
    window.player.reveal_without_pick()
    wait_shown(window, qtbot)
    shown(window, qtbot, 6)
    specs = {spec.label: spec for spec in lab.model.runs}
    assert specs["SGD"].optimizer.lr == pytest.approx(0.01)
    assert specs["SGD + momentum"].optimizer.lr == pytest.approx(0.02)  # the other one is kept
    assert lab.current_step() == 70 and not lab.playing  # shown at the end: played again
    track = lab.recorder.get(next(i for i in lab.runs if label_at(lab, i) == "SGD"))
    step = np.linalg.norm(track.positions[1, 0] - track.positions[0, 0])
    assert step == pytest.approx(0.01 * 2 * 1.8, rel=1e-3)  # one step of lr 0.01 on x^2 - y^2


def test_set_keeps_the_cursor_on_its_step(window, qtbot):
    lab = window.surface_lab
    shown(window, qtbot, 1)
    shown(window, qtbot, 6)
    assert lab.current_step() == 30 and not lab.playing
    assert lab.wait_idle(30)
    sgd = next(i for i in lab.runs if label_at(lab, i) == "SGD")
    assert lab.recorder.get(sgd).count == 71  # computed again in full
    assert lab.current_step() == 30


def test_show_hessian_following_a_run(window, qtbot):
    lab = window.surface_lab
    shown(window, qtbot, 4)  # pinned at a point first
    shown(window, qtbot, 7)
    assert label_at(lab, lab.selected) == "SGD + momentum"
    assert lab.inspected is None  # following the run again
    assert lab.bottom_tabs.currentWidget() is lab.eigen_scroll


# -- predict, then reveal ------------------------------------------------------------------------


def test_a_question_is_asked_before_its_action_plays(window):
    player, lab = window.player, window.surface_lab
    player.go_to(LOWEST_AT_END)
    assert player.phase == "ask"
    assert player.question.isVisible()
    assert player.question.text() == "Which run has the lower loss now?"
    buttons = [b for b in player.choice_buttons if b.isVisible()]
    assert [b.text() for b in buttons] == ["plain SGD", "with momentum"]
    assert not lab.playing and lab.current_step() == 0  # nothing shown before the pick


def test_a_right_and_a_wrong_prediction_get_different_verdicts(window, qtbot, data_folder):
    player = window.player
    player.go_to(LOWEST_AT_END)
    player.choice_buttons[1].click()  # momentum: right, its loss ends far below zero
    wait_shown(window, qtbot)
    assert player.right == 1
    assert player.verdict.text().startswith("✓ Your prediction held: with momentum.")
    assert "keeps its speed" in player.verdict.text()
    right_text = player.verdict.text()
    player.go_to(LOWEST_AT_END)
    player.choice_buttons[0].click()
    wait_shown(window, qtbot)
    assert player.right == 1
    assert player.verdict.text().startswith("✗ Not this time: the answer is with momentum.")
    assert player.verdict.text() != right_text
    assert player.choice_buttons[1].text().startswith("✓")
    assert player.choice_buttons[0].text().startswith("✗")
    answers = LessonProgress(data_folder).answers("saddle_escape")  # kept on the machine
    assert answers[LOWEST_AT_END].picked == 0 and answers[LOWEST_AT_END].right == 1


def test_the_answer_comes_from_the_run_where_the_cursor_stands(window, qtbot):
    """The same question at step 30 and at the end: two answers, both read from the runs."""
    from desktop_app.lessons.outcomes import surface_outcomes

    player, lab = window.player, window.surface_lab
    player.go_to(LOWEST_AT_30)
    player.pick(1)
    wait_shown(window, qtbot)
    assert lab.current_step() == 30
    question = player.beat.question
    assert player.right == 0 == decide(question, surface_outcomes(lab, 30))
    assert player.verdict.text().startswith("✗ Not this time: the answer is plain SGD.")
    assert decide(question, surface_outcomes(lab)) == 1  # the full runs say the other


def test_a_rise_or_fall_question(window, qtbot):
    player, lab = window.player, window.surface_lab
    player.go_to(CHANGE)
    player.pick(1)  # rises: momentum overshoots the valley between steps 10 and 20
    wait_shown(window, qtbot)
    assert lab.current_step() == 20 and not lab.playing
    assert player.right == 1 and player.verdict.text().startswith("✓")


def test_next_on_an_unanswered_question_reveals_it(window, qtbot):
    player = window.player
    player.go_to(LOWEST_AT_END)
    player.next_beat()
    wait_shown(window, qtbot)
    assert player.index == LOWEST_AT_END and player.picked is None
    assert player.verdict.text().startswith("The answer: with momentum.")
    player.next_beat()
    assert player.index == LOWEST_AT_END + 1


def test_a_test_loss_question_is_decided_as_the_headless_run_decides_it(
    module_window, qtbot, tmp_path
):
    """A data surface with a shift: the test loss at the recorded points, as ``losslab run``
    computes it (``core.beats.outcomes_from_result``)."""
    from core.beats import outcomes_from_result, shown_until
    from core.runner import run_scene
    from desktop_app.lessons.outcomes import surface_outcomes

    runs = [
        {"label": label, "optimizer": {"name": "sgd", "lr": 0.1}, "start": [-1.8, 1.5]}
        | {"steps": 300, **extra}
        for label, extra in (("batch 1", {"batch_size": 1}), ("full batch", {}))
    ]
    question = {
        "text": text("Which ends with the lower test loss?"),
        "rule": "lowest_final",
        "series": "test_loss",
        "choices": [{"text": text(r["label"]), "run": r["label"]} for r in runs],
        "why": text("The flat basin barely moves when the data shift."),
    }
    data = {
        "format": 1,
        "surface": {"data": {"model": "two_basins", "n": 200, "seed": 0, "shift": [0.4, -0.4]}},
        "runs": runs,
        "beats": [
            {"text": text("Start."), "action": {"kind": "load"}},
            {"text": text("Play."), "action": {"kind": "play"}, "question": question},
        ],
    }
    path = tmp_path / "shifted.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    main = module_window
    assert main.open_scene(path, ask=False)
    main.surface_lab.speed = 5000
    main.player.go_to(1)
    main.player.pick(1)
    wait_shown(main, qtbot)
    scene = parse_scene(data)
    headless = outcomes_from_result(run_scene(scene, device="cpu"))
    expected = decide(scene.beats[1].question, headless.until(shown_until(scene.beats, 1)))
    assert main.player.right == expected == 0
    assert main.player.verdict.text().startswith("✗ Not this time: the answer is batch 1.")
    mine = surface_outcomes(main.surface_lab, main.surface_lab.current_step())
    for label in ("batch 1", "full batch"):
        np.testing.assert_allclose(
            mine.series(label, "test_loss"), headless.series(label, "test_loss"), rtol=1e-6
        )


def test_the_answer_waits_for_a_slower_run_to_reach_the_step_on_view():
    """The cursor follows the run that is furthest ahead: a question is decided only once every
    run has recorded the step on view (or ended before it)."""
    from types import SimpleNamespace

    from desktop_app.lessons.outcomes import recorded_up_to

    def page(counts, done):
        runs = {f"r{i}": SimpleNamespace(done=d) for i, d in enumerate(done)}
        tracks = {f"r{i}": SimpleNamespace(count=c) for i, c in enumerate(counts)}
        return SimpleNamespace(runs=runs, recorder=SimpleNamespace(get=tracks.get))

    assert not recorded_up_to(page([31, 12], [False, False]), 15)
    assert recorded_up_to(page([31, 16], [False, False]), 15)
    assert recorded_up_to(page([31, 12], [False, True]), 15)  # ended (diverged) before it


# -- keys ----------------------------------------------------------------------------------------


def test_right_space_and_left_move_between_beats(window, qtbot):
    player = window.player
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert player.index == 1
    wait_shown(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert player.index == 2 and player.phase == "ask"
    assert not window.surface_lab.playing  # Space went to the lesson, not to play/pause
    qtbot.keyClick(window, Qt.Key.Key_Space)  # on a question: reveal it ...
    assert player.index == 2 and player.phase != "ask"
    wait_shown(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Right)  # ... then move on
    assert player.index == 3
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert player.index == 2
    assert player.counter.text() == f"Beat 3 of {len(SADDLE_BEATS)}"


def test_the_run_menu_items_still_drive_the_page(window):
    window.play_action.trigger()  # the menu item (not its key): play / pause
    assert window.surface_lab.playing and window.player.index == 0
    window.play_action.trigger()
    assert not window.surface_lab.playing


def test_the_keys_still_work_after_a_language_change(window, qtbot):
    from desktop_app import i18n

    i18n.set_language("zh")
    try:
        qtbot.waitUntil(lambda: window.player.next_button.text() == "下一环节 ▶")
        assert window.player.text.text() == "Two runs start on the ridge.（中）"
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_Right)  # the Run actions were made again
        assert window.player.index == 1
    finally:
        i18n.set_language("en")


def test_new_content_on_the_page_leaves_the_lesson(window):
    window.documents.new_scene()
    assert not window.player.isVisible() and not window.player.is_active()
    assert not window.player.take_key("step_by", 1)


def test_the_run_keys_work_again_on_another_page(window, qtbot):
    window.pages.setCurrentWidget(window.lessons)
    assert not window.player.take_key("step_by", 1)  # the lesson's page is not on view
    window.pages.setCurrentWidget(window.surface_lab)
    assert window.player.take_key("step_by", 1) and window.player.index == 1


def test_the_lesson_bar_shows_only_over_its_page(window):
    """On another tab the bar hides (its Next would guide the Surface Lab out of view); back on
    the lesson's page it shows again, on the same beat."""
    player = window.player
    window.pages.setCurrentWidget(window.network_lab)
    assert not player.isVisible() and player.is_active()
    window.pages.setCurrentWidget(window.surface_lab)
    assert player.isVisible() and player.index == 0


# -- class vote ----------------------------------------------------------------------------------


def test_class_vote_counts_and_reveals(window, qtbot):
    player = window.player
    player.go_to(LOWEST_AT_END)
    vote = player.open_class_vote()
    assert vote.isVisible() and vote.text.text() == "Which run has the lower loss now?"
    assert [b.text() for b in vote.buttons] == ["1. plain SGD", "2. with momentum"]
    for _ in range(3):
        vote.buttons[0].click()  # a click: one more vote
    vote.counts[1].setValue(5)  # or the count typed in
    vote.add_vote(1)
    assert vote.vote_counts() == [3, 6]
    vote.reveal_button.click()
    wait_shown(window, qtbot)
    assert player.picked == 1  # the class's prediction: the most voted
    assert vote.results[0].text() == "3 votes (33%)"
    assert vote.results[1].text() == "✓ 6 votes (67%)"
    assert "keeps its speed" in vote.why.text()
    vote.next_button.click()
    assert player.index == LOWEST_AT_END + 1
    vote.close()


# -- progress ------------------------------------------------------------------------------------


def test_reaching_the_last_beat_marks_the_lesson_done_in_the_browser(window, qtbot, data_folder):
    player = window.player
    player.go_to(len(SADDLE_BEATS) - 1)
    player.reveal_without_pick()
    wait_shown(window, qtbot)
    assert not player.next_button.isEnabled()
    assert LessonProgress(data_folder).is_done("saddle_escape")
    assert window.lessons.done_keys() == ["saddle_escape"]


# -- the Network Lab -----------------------------------------------------------------------------


def test_the_browser_opens_a_network_lesson_on_the_network_lab_at_its_first_beat(module_window):
    from core.scene import load_scene

    main = module_window
    main.pages.setCurrentWidget(main.lessons)
    main.lessons.select("network_mismatch")
    assert main.lessons.open_button.text() == "Open in the Network Lab"
    main.lessons.open_button.click()
    lab = main.network_lab
    assert main.pages.currentWidget() is lab
    assert lab.experiment_combo.currentData() == "mismatch"
    assert "Mismatch" in lab.scene_label.text()  # the lesson's network, not the experiment's
    if load_scene(main.lessons.current_lesson().path).beats:
        assert main.player.isVisible() and main.player.index == 0
        assert main.player.key == "network_mismatch"


def test_a_network_lesson_trains_its_beats_and_decides_from_the_history(
    module_window, files, qtbot
):
    from desktop_app.lessons.outcomes import network_outcomes

    main = module_window
    main.lessons.select("network_overfitting")
    assert main.lessons.open_button.text() == "Open in the Network Lab"
    assert main.open_scene(files / "network_overfitting.json", ask=False)
    lab, player = main.network_lab, main.player
    assert main.pages.currentWidget() is lab
    assert lab.experiment_combo.currentData() == "overfitting"  # one click away
    assert player.index == 0 and player.isVisible()
    assert lab.wait_for(lambda: "network" in lab.snapshots and lab.epochs_done() == 0, 60)
    player.next_beat()
    qtbot.waitUntil(lambda: player.phase == "shown", timeout=60_000)
    assert lab.epochs_done() == 3 and not lab.playing
    player.next_beat()
    assert player.phase == "ask" and lab.epochs_done() == 3
    player.pick(0)
    qtbot.waitUntil(lambda: player.phase == "shown", timeout=60_000)
    assert lab.epochs_done() == 15
    right = decide(player.beat.question, network_outcomes(lab))
    assert player.right == right
    expected = "✓ Your prediction held" if right == 0 else "✗ Not this time"
    assert player.verdict.text().startswith(expected)


def test_an_open_tool_beat_opens_its_window_on_the_lessons_task(module_window, files, qtbot):
    from desktop_app.tuning.window import TuningWindow

    main = module_window
    assert main.open_scene(files / "network_overfitting.json", ask=False)
    assert main.findChild(TuningWindow) is None or not main.findChild(TuningWindow).isVisible()
    main.player.go_to(3)
    qtbot.waitUntil(lambda: main.player.phase == "shown", timeout=30_000)
    window = main.findChild(TuningWindow)
    assert window is not None and window.isVisible()
    assert window.lab_settings()["dataset"]["name"] == "moons"  # the lesson's task
    window.close()
