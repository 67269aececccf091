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


@pytest.mark.parametrize(
    "extras",
    [
        {"training": {"average": {"kind": "ema", "start_epoch": 2, "decay": 0.95}}},
        {"training": {"snapshots": {"cycles": 3, "first_cycle": 5, "t_mult": 2}}},
        {
            "race": [
                {"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 0},
                {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 8},
            ]
        },
    ],
    ids=["average", "snapshots", "race"],
)
def test_network_extras_round_trip_through_a_file(tmp_path, extras):
    network = {
        "dataset": {"name": "moons", "size": 100},
        "training": {"optimizer": {"name": "sgd", "lr": 0.1}, "epochs": 35},
    }
    network["training"].update(extras.get("training", {}))
    if "race" in extras:
        network["race"] = extras["race"]
    path = tmp_path / "scene.json"
    save_scene(parse_scene({"format": 1, "network": network}), path)
    saved = json.loads(path.read_text(encoding="utf-8"))["network"]
    for key, value in extras.get("training", {}).items():
        assert saved["training"][key] == value
    assert saved.get("race") == extras.get("race")
    assert load_scene(path) == parse_scene({"format": 1, "network": network})


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


# --- reading files: only regular files, bounded, UTF-8 with or without a BOM -------------------


def _load_in_thread(path, seconds=10.0):
    """load_scene(path) in a daemon thread: (finished, outcome) after at most ``seconds``."""
    import threading

    outcome = {}

    def target():
        try:
            outcome["value"] = load_scene(path)
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            outcome["value"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), outcome.get("value")


def test_a_fifo_is_refused_at_once(tmp_path):
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "scene.json"
    os.mkfifo(fifo)
    finished, outcome = _load_in_thread(fifo)
    assert finished, "load_scene blocked on a FIFO"
    assert isinstance(outcome, SceneError)
    assert str(outcome) == f"{fifo}: cannot read file: a special file, not a regular file"


def test_a_link_to_dev_zero_is_refused_at_once(tmp_path):
    import os

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    finished, outcome = _load_in_thread(link)
    assert finished, "load_scene kept reading /dev/zero"
    assert isinstance(outcome, SceneError)
    assert "not a regular file" in outcome.message and outcome.source == str(link)


def test_a_folder_and_a_too_large_file_are_refused(tmp_path):
    from core.scene import MAX_FILE_BYTES

    with pytest.raises(SceneError, match="a folder, not a regular file"):
        load_scene(tmp_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:  # sparse: nothing is really written
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(SceneError, match=r"too large \(20000001 bytes"):
        load_scene(big)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(CONTRACT, ensure_ascii=False).encode("utf-8"))
    assert load_scene(path).text("title", "zh") == "峡谷上的 Adam 与 SGD"


def test_utf16_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "unicode.json"
    path.write_bytes(json.dumps(CONTRACT).encode("utf-16"))
    with pytest.raises(SceneError, match="UTF-16 text; save it as UTF-8"):
        load_scene(path)


# --- format ------------------------------------------------------------------------------------


WITHOUT_FORMAT = [{}, {"runs": []}, {k: v for k, v in CONTRACT.items() if k != "format"}]


@pytest.mark.parametrize("data", WITHOUT_FORMAT)
def test_a_file_without_format_is_refused(tmp_path, data):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    assert caught.value.path == "format"
    assert '"format": 1' in caught.value.message
    assert str(caught.value).startswith(f"{path}: format: ")


def test_data_built_by_the_program_may_leave_format_out():
    assert parse_scene({}).runs == []
    with pytest.raises(SceneError, match="format"):
        parse_scene({}, require_format=True)


@pytest.mark.parametrize("version", [True, 1.0, "1", 2, None])
def test_only_the_integer_1_is_format_1(version):
    with pytest.raises(SceneError) as caught:
        parse_scene({**CONTRACT, "format": version})
    assert caught.value.path == "format" and "unsupported format version" in caught.value.message


def test_every_shipped_lesson_has_a_format_and_loads_within_the_budget():
    import resources
    from core.limits import MAX_RECORDED_BYTES, MAX_SECONDS
    from core.scene import check_budget

    paths = sorted(resources.path("scenes").glob("*.json"))
    assert len(paths) >= 30
    for path in paths:
        assert json.loads(path.read_text(encoding="utf-8")).get("format") == 1, path.name
        cost = check_budget(load_scene(path))
        assert cost.recorded_bytes < MAX_RECORDED_BYTES / 10, path.name
        assert cost.seconds < MAX_SECONDS / 10, path.name


# --- numbers: one rule everywhere ------------------------------------------------------------

RUN = {"optimizer": {"name": "sgd", "lr": 0.1}, "start": [0.5, 0.5], "steps": 10}
NETWORK = {
    "dataset": {"name": "moons", "size": 100, "noise": 0.1, "val_fraction": 0.3, "seed": 1},
    "model": {"hidden": [4], "dropout": 0.1},
    "training": {
        "optimizer": {"name": "adam", "lr": 0.01},
        "epochs": 5,
        "batch_size": 16,
        "seed": 2,
    },
}


def _set(data, path, value):
    data = json.loads(json.dumps(data))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def _surface_scene(surface, **run):
    run = {**RUN, **run}
    if "starts" in run:
        run.pop("start")
    return {"format": 1, "surface": surface, "runs": [run]}


NUMBER_FIELDS = [
    # (scene, path to the value, the error's field path, the valid value it replaces)
    (CONTRACT, ("runs", 0, "optimizer", "lr"), "runs[0].optimizer.lr"),
    (CONTRACT, ("runs", 0, "optimizer", "momentum"), "runs[0].optimizer"),
    (CONTRACT, ("runs", 1, "optimizer", "betas", 0), "runs[1].optimizer"),
    (CONTRACT, ("runs", 1, "schedule", "gamma"), "runs[1].schedule"),
    (CONTRACT, ("runs", 1, "schedule", "step_size"), "runs[1].schedule"),
    (CONTRACT, ("runs", 0, "start", 0), "runs[0].start[0]"),
    (CONTRACT, ("runs", 0, "steps"), "runs[0].steps"),
    (CONTRACT, ("surface", "x_range", 1), "surface.x_range[1]"),
    (
        _surface_scene({"builtin": "ravine", "condition": 5}),
        ("surface", "condition"),
        "surface.builtin",
    ),
    (_surface_scene({"builtin": "bowl"}, starts=[[0, 0]]), ("runs", 0, "starts", 0, 1), ""),
    (_surface_scene({"bumps": [{"x": 0, "y": 0, "height": 1, "width": 1}]}), None, ""),
    (_surface_scene({"bumps": [], "bowl_strength": 0.1}), ("surface", "bowl_strength"), ""),
    (_surface_scene({"data": {"n": 50, "noise": 0.5}}), ("surface", "data", "noise"), ""),
    (_surface_scene({"data": {"n": 50}}), ("surface", "data", "n"), ""),
    (_surface_scene({"data": {"scales": [1, 2]}}), ("surface", "data", "scales", 0), ""),
    (_surface_scene({"data": {"shift": [1, 2]}}), ("surface", "data", "shift", 1), ""),
    (_surface_scene({"data": {"seed": 3}}), ("surface", "data", "seed"), ""),
    (_surface_scene({"data": {}}, batch_size=8), ("runs", 0, "batch_size"), ""),
    (_surface_scene({"data": {}}, seed=8), ("runs", 0, "seed"), ""),
    (
        _surface_scene(
            {"builtin": "bowl"}, schedule={"name": "warmup", "then": {"name": "exponential"}}
        ),
        ("runs", 0, "schedule", "then", "gamma"),
        "runs[0].schedule",
    ),
    ({"format": 1, "network": NETWORK}, ("network", "dataset", "size"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "dataset", "noise"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "dataset", "val_fraction"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "dataset", "seed"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "model", "hidden", 0), ""),
    ({"format": 1, "network": NETWORK}, ("network", "model", "dropout"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "training", "epochs"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "training", "batch_size"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "training", "seed"), ""),
    ({"format": 1, "network": NETWORK}, ("network", "training", "optimizer", "lr"), ""),
]


def _fields():
    for scene, path, where in NUMBER_FIELDS:
        if path is None:  # every field of a bump
            for key in ("x", "y", "height", "width"):
                yield scene, ("surface", "bumps", 0, key), f"surface.bumps[0].{key}"
            continue
        yield scene, path, where or format_path_of(path)


def format_path_of(path):
    from core.scene import format_path

    return format_path(path)


def _value_at(data, path):
    node = data
    for key in path:
        node = node[key] if not (isinstance(node, dict) and key not in node) else None
    return node


@pytest.mark.parametrize(("scene", "path", "where"), list(_fields()))
def test_strings_and_booleans_are_refused_for_every_number(scene, path, where):
    """Each field accepts its own value, and refuses it as a string and as true."""
    parse_scene(scene)
    value = _value_at(scene, path)
    if value is None:
        scene, value = _set(scene, path, 0.5 if path[-1] != "gamma" else 0.9), None
        parse_scene(scene)
        value = _value_at(scene, path)
    key = next(part for part in reversed(path) if isinstance(part, str))
    for bad, words in ((str(value), "not a string"), (True, "not true/false")):
        with pytest.raises(SceneError) as caught:
            parse_scene(_set(scene, path, bad))
        error = caught.value
        assert error.path == where, (path, bad, str(error))
        # (a built-in surface's parameters are checked by core.surfaces.library, in its words)
        builtin = where == "surface.builtin" and "must be a number" in error.message
        assert words in error.message or builtin, (path, bad, str(error))
        if not where.endswith(key) and not where.endswith("]"):
            assert key in error.message  # an object's path: the message names the field


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("runs", 0, "visible"), "true"),
        (("runs", 0, "visible"), 1),
        (("runs", 0, "optimizer", "nesterov"), "yes"),
    ],
)
def test_booleans_must_be_true_or_false(path, value):
    with pytest.raises(SceneError, match="true or false"):
        parse_scene(_set(CONTRACT, path, value))


def test_a_5000_digit_integer_names_its_field(tmp_path):
    path = tmp_path / "digits.json"
    text = json.dumps(CONTRACT).replace('"steps": 200', '"steps": ' + "9" * 5000, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SceneError) as caught:
        load_scene(path)
    assert caught.value.path == "runs[0].steps"
    assert "5000 digits is too large" in caught.value.message
    # in memory, where Python's int has no digit limit: the range says no
    with pytest.raises(SceneError, match="less than or equal to 100000"):
        parse_scene(_set(CONTRACT, ("runs", 0, "steps"), 10**5000))
    with pytest.raises(SceneError, match="too large"):
        parse_scene(_set(CONTRACT, ("runs", 0, "optimizer", "lr"), 10**400))


@pytest.mark.parametrize(
    ("schedule", "steps", "words"),
    [
        ({"name": "onecycle", "div_factor": 0}, 100, "div_factor must be > 0"),
        ({"name": "onecycle", "final_div_factor": 0}, 100, "final_div_factor must be > 0"),
        ({"name": "onecycle", "pct_start": 1}, 100, "pct_start must be < 1"),
        ({"name": "onecycle", "pct_start": 1.0}, 100, "pct_start must be < 1"),
        ({"name": "onecycle", "pct_start": 0.25}, 4, "phase of length 0"),
        ({"name": "onecycle", "max_lr": 0}, 100, "max_lr must be > 0"),
        ({"name": "step", "gamma": -0.5}, 100, "gamma must be > 0"),
        ({"name": "cosine", "eta_min": -1}, 100, "eta_min must be >= 0"),
        ({"name": "cosine_restarts", "T_mult": 0}, 100, "T_mult must be >= 1"),
        ({"name": "warmup", "start_factor": 2}, 100, "start_factor must be <= 1"),
    ],
)
def test_schedule_values_that_torch_rejects_or_divide_by_zero(schedule, steps, words):
    data = _surface_scene({"builtin": "bowl"}, schedule=schedule, steps=steps)
    with pytest.raises(SceneError) as caught:
        parse_scene(data)
    assert caught.value.path in ("runs[0].schedule", "runs[0]")
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("hyper", "words"),
    [
        ({"name": "lbfgs", "lr": 1, "history_size": 0}, "history_size must be >= 1"),
        ({"name": "lbfgs", "lr": 1, "max_iter": 10**9}, "max_iter must be <= 100"),
        ({"name": "lbfgs", "lr": 1, "history_size": 10**9}, "history_size must be <= 200"),
        ({"name": "lbfgs", "lr": 1, "max_eval": 10}, "unknown hyper-parameter(s) max_eval"),
        ({"name": "adam", "lr": 0.1, "eps": 0}, "eps must be > 0"),
        ({"name": "sgd", "lr": 0.1, "momentum": 1.5}, "momentum must be < 1"),
        ({"name": "rmsprop", "lr": 0.1, "alpha": 2}, "alpha must be <= 1"),
        ({"name": "adam", "lr": 0.1, "betas": [0.9, 1.0]}, "betas[1] must be < 1"),
    ],
)
def test_optimizer_values_out_of_range_name_the_parameter(hyper, words):
    with pytest.raises(SceneError) as caught:
        parse_scene(_surface_scene({"builtin": "bowl"}, optimizer=hyper))
    assert caught.value.path == "runs[0].optimizer"
    assert words in caught.value.message


def test_edge_values_that_are_accepted_also_run():
    from core.runner import run_scene

    runs = [
        {**RUN, "schedule": {"name": "onecycle", "pct_start": 0.5}, "steps": 40},
        {**RUN, "schedule": {"name": "onecycle", "pct_start": 0.0}, "steps": 7},
        {**RUN, "schedule": {"name": "onecycle", "pct_start": 0.99}, "steps": 9},
        {**RUN, "optimizer": {"name": "lbfgs", "lr": 0.5, "max_iter": 100, "history_size": 1}},
        {**RUN, "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.999, "dampening": 1}},
    ]
    result = run_scene(parse_scene({"format": 1, "surface": {"builtin": "bowl"}, "runs": runs}))
    assert [len(run["lr"]) for run in result["runs"]] == [40, 7, 9, 10, 10]


# --- the budget --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (  # the tester's swarm: 100,000 points record ~60 MB per step
            _surface_scene({"builtin": "bowl"}, starts=[[0.1, 0.2]] * 100_000, steps=100),
            "runs[0]",
            "100000 points x 100 steps would record about",
        ),
        (  # L-BFGS at its caps: up to 125 evaluations of 200-pair histories per step
            _surface_scene(
                {"builtin": "bowl"},
                optimizer={"name": "lbfgs", "lr": 1, "max_iter": 100, "history_size": 200},
                steps=2000,
            ),
            "runs[0]",
            "would compute for about",
        ),
        (  # the tester's data surface: 100k examples at batch 1 (every step: the full loss)
            _surface_scene({"data": {"n": 100_000}}, batch_size=1, steps=100_000),
            "runs[0]",
            "100000 examples",
        ),
        (  # 64 long runs: each is fine, together they are not
            {"format": 1, "runs": [{**RUN, "steps": 100_000}] * 64},
            "runs",
            "the 64 runs would record about",
        ),
        (
            {
                "format": 1,
                "network": _set(
                    _set(NETWORK, ("training", "epochs"), 100_000), ("dataset", "size"), 20_000
                ),
            },
            "network",
            "100000 epochs",
        ),
    ],
)
def test_scenes_over_the_budget_are_refused_at_validation(data, where, words):
    with pytest.raises(SceneError) as caught:
        parse_scene(data, source="big.json")
    assert caught.value.path == where
    assert caught.value.message.startswith("too much work: ")
    assert words in caught.value.message
    assert "the limit is" in caught.value.message


def test_check_budget_applies_a_steps_override():
    from core.scene import check_budget

    scene = parse_scene(_surface_scene({"builtin": "bowl"}, starts=[[0.1, 0.2]] * 10_000))
    assert check_budget(scene).recorded_bytes < check_budget(scene, steps=300).recorded_bytes
    with pytest.raises(SceneError) as caught:
        check_budget(scene, steps=1000, source="s.json")
    assert str(caught.value).startswith("s.json: runs[0]: with 1000 steps: too much work: ")
    with pytest.raises(SceneError, match="between 0 and 100000"):
        check_budget(scene, steps=-1)


def test_check_budget_checks_schedules_against_the_new_length():
    from core.scene import check_budget

    schedule = {"name": "onecycle", "total_steps": 300}
    scene = parse_scene(_surface_scene({"builtin": "bowl"}, schedule=schedule, steps=300))
    check_budget(scene, steps=200)
    with pytest.raises(SceneError) as caught:
        check_budget(scene, steps=500)
    assert caught.value.path == "runs[0].schedule"
    assert (
        "with 500 steps" in caught.value.message and "shorter than the run" in caught.value.message
    )
