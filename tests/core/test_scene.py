import json

import pytest

from core.scene import SceneError, dump_scene, load_scene, parse_scene, save_scene

CONTRACT = {
    "format": 1,
    "title": {"en": "Adam vs SGD on a ravine", "zh": "峡谷上的 Adam 与 SGD"},
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {
            "label": "SGD",
            "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9},
            "start": [-2.5, 2.0],
            "steps": 200,
        },
        {
            "label": "Adam",
            "optimizer": {"name": "adam", "lr": 0.1, "betas": [0.9, 0.999]},
            "schedule": {"name": "step", "step_size": 50, "gamma": 0.5},
            "start": [-2.5, 2.0],
            "steps": 200,
        },
    ],
}


def with_change(path, value):
    data = json.loads(json.dumps(CONTRACT))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def test_the_documented_contract_parses():
    scene = parse_scene(CONTRACT)
    assert scene.runs[1].optimizer.hyper() == {"lr": 0.1, "betas": [0.9, 0.999]}
    assert scene.runs[1].schedule.params() == {"step_size": 50, "gamma": 0.5}
    assert scene.runs[0].start_points() == [(-2.5, 2.0)]
    assert scene.text("title", "zh") == "峡谷上的 Adam 与 SGD"


@pytest.mark.parametrize(
    ("path", "value", "where", "words"),
    [
        (("runs", 0, "optimizer", "lr"), 0, "runs[0].optimizer.lr", "greater than 0"),
        (("runs", 0, "optimizer", "lr"), -1.0, "runs[0].optimizer.lr", "greater than 0"),
        (("runs", 0, "optimizer", "name"), "sgdd", "runs[0].optimizer", "unknown optimizer 'sgdd'"),
        (("runs", 0, "optimizer", "momentom"), 0.9, "runs[0].optimizer", "momentom"),
        (("runs", 0, "optimizer", "momentum"), "lots", "runs[0].optimizer", "momentum"),
        (("runs", 1, "schedule", "name"), "zigzag", "runs[1].schedule", "unknown schedule"),
        (("runs", 0, "start"), [1.0], "runs[0].start", ""),
        (("runs", 0, "start"), [1, 2, 3], "runs[0].start", ""),
        (("runs", 0, "steps"), 10**9, "runs[0].steps", "less than or equal"),
        (("runs", 0, "steps"), "many", "runs[0].steps", "integer"),
        (("surface", "formula"), "x**2 + foo(y)", "surface.formula", "foo"),
        (("surface",), {"builtin": "no_such_surface"}, "surface.builtin", "no_such_surface"),
        (("surface",), {"hill": 3}, "surface", "'builtin', 'formula' or 'bumps'"),
        (("format",), 2, "format", "unsupported format version 2"),
        (("runs", 0, "colour"), "red", "runs[0].colour", "unknown field"),
        (("runs", 0, "start"), [float("nan"), 1.0], "runs[0].start[0]", "finite"),
        (
            ("runs", 1, "optimizer", "betas"),
            [0.9, float("inf")],
            "runs[1].optimizer.betas[1]",
            "finite",
        ),
        (("surface", "x_range"), [3, -3], "surface.x_range", "low < high"),
    ],
)
def test_bad_scenes_name_the_field(path, value, where, words):
    with pytest.raises(SceneError) as caught:
        parse_scene(with_change(path, value), source="s.json")
    error = caught.value
    assert error.path == where
    assert words in error.message
    assert str(error).startswith(f"s.json: {where}: ")


def test_start_and_starts_are_exclusive_and_one_is_needed():
    run = dict(CONTRACT["runs"][0])
    run.pop("start")
    with pytest.raises(SceneError, match="exactly one of 'start'"):
        parse_scene({**CONTRACT, "runs": [run]})
    run["starts"] = [[0, 0], [1, 1]]
    assert len(parse_scene({**CONTRACT, "runs": [run]}).runs[0].start_points()) == 2


def test_round_trip_through_a_file(tmp_path):
    path = tmp_path / "scene.json"
    save_scene(parse_scene(CONTRACT), path)
    again = load_scene(path)
    assert json.loads(dump_scene(again)) == json.loads(dump_scene(parse_scene(CONTRACT)))
    assert [p.name for p in tmp_path.iterdir()] == ["scene.json"]  # no temporary left behind


def test_drawn_and_builtin_surfaces_validate():
    scene = parse_scene({"surface": {"bumps": [{"x": 0, "y": 0, "height": -1, "width": 0.5}]}})
    assert scene.surface.base == "bowl"
    with pytest.raises(SceneError) as caught:
        parse_scene({"surface": {"bumps": [{"x": 0, "y": 0, "height": -1, "width": 0}]}})
    assert caught.value.path == "surface.bumps[0].width"
    scene = parse_scene({"surface": {"builtin": "ravine", "condition": 50}})
    assert scene.surface.to_config() == {"builtin": "ravine", "condition": 50}
    with pytest.raises(SceneError, match="condition"):
        parse_scene({"surface": {"builtin": "ravine", "condition": -5}})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "invalid JSON at line 1"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe\x00", "cannot read file"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
    ],
)
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(SceneError, match=words.replace("(", r"\(")):
        load_scene(path)


def test_missing_file():
    with pytest.raises(SceneError, match="no such file"):
        load_scene("/nonexistent/scene.json")


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        ({"surface": {"bumps": [], "bowl_strength": -1}}, "surface.bowl_strength", "greater than"),
        (
            {"runs": [{"optimizer": {"name": "sgd", "lr": 0.1}, "start": [0, 0], "steps": True}]},
            "runs[0].steps",
            "integer",
        ),
        (
            {
                "runs": [
                    {
                        "optimizer": {"name": "lbfgs", "lr": 1, "line_search_fn": "x"},
                        "start": [0, 0],
                    }
                ]
            },
            "runs[0].optimizer",
            "line_search_fn",
        ),
        (
            {
                "runs": [
                    {
                        "optimizer": {"name": "sgd", "lr": 0.1},
                        "schedule": {"name": "onecycle", "total_steps": 3},
                        "start": [0, 0],
                        "steps": 5,
                    }
                ]
            },
            "runs[0]",
            "total_steps",
        ),
    ],
)
def test_values_that_would_fail_at_run_time_are_refused_up_front(data, where, words):
    with pytest.raises(SceneError) as caught:
        parse_scene(data)
    assert caught.value.path == where and words in caught.value.message
