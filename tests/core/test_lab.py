"""The Qt-free lab model, trajectory store and playback (core.lab)."""

from __future__ import annotations

import numpy as np
import pytest

from core.lab import LabModel, Playback, TrajectoryStore


def test_store_grows_by_doubling_and_reads_views():
    store = TrajectoryStore({"loss": ((), float), "xy": ((3, 2), float)})
    for t in range(100):
        store.append({"loss": [float(t)], "xy": np.full((1, 3, 2), t)})
    assert len(store) == 100
    assert store.column("loss")[-1] == 99.0
    assert store.column("xy", upto=9).shape == (10, 3, 2)
    assert store.row("xy", -1)[2, 1] == 99
    assert store._capacity == 128  # 64 then doubled once
    with pytest.raises(ValueError):
        store.column("loss")[0] = 5.0  # views are read-only


def test_missing_values_are_nan_and_new_columns_backfill():
    store = TrajectoryStore({"loss": ((), float)})
    store.append({"loss": [1.0, 2.0]})
    store.append({"loss": [3.0], "test_loss": [0.5]})
    assert np.isnan(store.column("test_loss")[:2]).all()
    assert store.column("test_loss")[2] == 0.5
    store.append({"test_loss": [0.25]})
    assert np.isnan(store.row("loss", 3))


def test_continue_from_here_truncates_the_rest():
    store = TrajectoryStore({"loss": ((), float), "diverged": ((), bool)})
    store.append({"loss": np.arange(10.0), "diverged": np.zeros(10, bool)})
    store.finished = True
    store.write(4, {"loss": [40.0, 50.0], "diverged": [True, True]})
    assert len(store) == 6
    assert store.column("loss").tolist() == [0, 1, 2, 3, 40, 50]
    assert not store.finished
    store.append({"loss": [60.0]})  # the boolean column is missing in this row: False
    assert store.column("diverged").tolist() == [False] * 4 + [True, True, False]
    with pytest.raises(IndexError):
        store.write(9, {"loss": [1.0]})  # no gaps


def test_to_dict_gives_json_values():
    store = TrajectoryStore({"loss": ((), float)})
    store.append({"loss": [1.0, float("nan"), float("inf")]})
    assert store.to_dict() == {"loss": [1.0, None, None]}


def test_playback_never_runs_ahead_of_the_data_and_stops_at_the_end():
    play = Playback(speed=10.0)
    play.play(last_step=100)
    assert play.advance(0.5, recorded=3, last_step=100, finished=False)
    assert play.step == 3  # not 5: only 3 steps are recorded yet
    assert play.advance(20.0, recorded=100, last_step=100, finished=True)
    assert play.step == 100 and not play.playing
    play.play(last_step=100)  # at the end: starts over
    assert play.step == 0 and play.playing
    assert play.seek(500, last_step=100) == 100 and not play.playing


def test_model_events_fire_only_on_real_changes():
    model = LabModel()
    seen = []
    model.events.hover.connect(seen.append)
    model.set_hover(1.0, 2.0, 0.5)
    model.set_hover(1.0, 2.0, 0.5)
    assert len(seen) == 1
    model.set_hover(None)
    assert seen[-1] is None


def test_replacing_the_content_clears_everything_that_described_the_old():
    model = LabModel()
    model.replace_content(None, source="lesson", title={"en": "Saddle"}, description={"en": "…"})
    model.set_hover(0.1, 0.2, 3.0)
    model.selected_run = "adam"
    model.cursor = 40
    events = []
    model.events.hover.connect(lambda v: events.append(("hover", v)))
    model.events.generation.connect(lambda g: events.append(("generation", g)))
    model.replace_content(None, source="formula")
    assert model.hover is None and model.selected_run is None and model.cursor == 0
    assert model.title == {} and model.text("title", "en") == ""
    assert events == [("hover", None), ("generation", 2)]  # the content event comes last


def test_a_known_length_is_reserved_once_and_the_buffer_reads_the_allocated_rows():
    store = TrajectoryStore({"xy": ((2,), np.float32), "lr": ((), float)})
    store.reserve(11, exact=True)
    assert store.capacity == 11
    store.append({"xy": np.ones((11, 2)), "lr": np.arange(11.0)})
    assert store.capacity == 11  # no copy while it filled
    assert store.column("xy").dtype == np.float32
    store.truncate(4)
    buffer = store.buffer("lr")
    assert len(buffer) == 11 and buffer[3] == 3.0 and np.isnan(buffer[4:]).all()


def test_from_records_gives_the_engines_columns():
    from core.engine import PointRun, RunConfig
    from core.surfaces import make_surface

    surface = make_surface({"formula": "x**2 + 10*y**2"})
    config = RunConfig("sgd", {"lr": 0.01}, np.array([[2.0, 1.0]]), steps=600)
    records = list(PointRun(surface, config).records())
    store = TrajectoryStore.from_records(records)
    assert len(store) == 601 and store.capacity == 601  # chunked, but allocated once
    np.testing.assert_array_equal(store.column("positions")[600], records[600].positions)
    np.testing.assert_allclose(store.row("grad_norm", 5), np.linalg.norm(records[5].grad, axis=-1))
    assert np.isnan(store.row("lr", 0)) and store.row("lr", 1) == 0.01
    assert not store.column("diverged").any()
    assert len(TrajectoryStore.from_records([])) == 0


def test_settings_change_only_when_a_value_really_changes():
    model = LabModel(kind="network")
    seen = []
    model.events.settings.connect(lambda value: seen.append(dict(value)))
    assert model.update_settings(lr=0.1, hidden=[8, 8])
    assert not model.update_settings(lr=0.1)  # the same value: no event
    assert not model.update_settings(hidden=[8, 8])
    assert model.update_settings(lr=0.03)
    assert seen == [{"lr": 0.1, "hidden": [8, 8]}, {"lr": 0.03, "hidden": [8, 8]}]


def test_surface_and_runs_are_evented_and_compared_by_value():
    model = LabModel()
    seen = []
    model.events.surface.connect(lambda value: seen.append(value))
    model.surface = {"builtin": "rosenbrock"}
    model.surface = {"builtin": "rosenbrock"}  # equal: no second event
    model.surface = {"builtin": "himmelblau"}
    assert [s["builtin"] for s in seen] == ["rosenbrock", "himmelblau"]
