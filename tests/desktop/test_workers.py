"""ComputeService: a stream that raises fails alone; the others finish and the service goes idle."""

import time
import warnings

import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.workers import ComputeService

ITEMS = 40


def _stream(name: str, fail_at: int | None = None, error: type[Exception] = RuntimeError):
    def make():
        for i in range(ITEMS):
            if i == fail_at:
                raise error(f"{name} broke at item {i}")
            time.sleep(0.002)  # several batches per stream, so the streams interleave
            yield i

    return make


def _settle(service: ComputeService, timeout_s: float = 20.0) -> bool:
    """Process events until the service is idle (no worker, nothing pending)."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        QApplication.processEvents()
        if not service.busy() and not service.has_pending():
            return True
        time.sleep(0.002)
    return False


@pytest.fixture
def service(qapp):
    service = ComputeService()
    yield service
    service.abort()
    service.wait(5000)


def _collect(service: ComputeService):
    items: dict[str, list[int]] = {}
    done: list[str] = []
    failed: list[tuple[str, str]] = []

    def on_batch(batch):
        items.setdefault(batch.key, []).extend(batch.items)
        if batch.done:
            done.append(batch.key)

    service.batchReady.connect(on_batch)
    service.failed.connect(lambda key, message: failed.append((key, message)))
    return items, done, failed


@pytest.mark.parametrize("error", [RuntimeError, ValueError])
def test_one_stream_raising_does_not_stop_the_others(service, error):
    items, done, failed = _collect(service)
    streams = [
        ("a", service.bump("a"), _stream("a")),
        ("bad", service.bump("bad"), _stream("bad", fail_at=5, error=error)),
        ("c", service.bump("c"), _stream("c")),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # superqt's "RuntimeError in aborted thread"
        service.submit(streams)
        assert _settle(service), "the service stayed busy"
    assert items["a"] == list(range(ITEMS)) and items["c"] == list(range(ITEMS))
    assert sorted(done) == ["a", "c"]  # the failed stream never reports done as if it finished
    assert failed == [("bad", f"{error.__name__}: bad broke at item 5")]
    assert items.get("bad", []) == [0, 1, 2, 3, 4]  # what it computed before failing arrives
    assert not service.busy() and not service.has_pending()


def test_a_stream_that_cannot_even_start_fails_alone(service):
    items, done, failed = _collect(service)

    def broken():
        raise RuntimeError("no engine")

    service.submit([("x", service.bump("x"), broken), ("y", service.bump("y"), _stream("y"))])
    assert _settle(service)
    assert failed == [("x", "RuntimeError: no engine")]
    assert done == ["y"] and items["y"] == list(range(ITEMS))


def test_a_stale_stream_failing_reports_nothing(service):
    items, done, failed = _collect(service)
    generation = service.bump("old")
    service.start([("old", generation, _stream("old", fail_at=0))])
    service.bump("old")  # the page moved on before the failure arrived
    assert _settle(service)
    assert failed == []


def test_the_surface_lab_marks_the_failed_run_and_finishes_the_others(qtbot, monkeypatch):
    import desktop_app.surface_lab.jobs as jobs_module  # where the page builds its engines
    import desktop_app.surface_lab.page as page_module
    from core.scene import parse_scene

    class Breaking(jobs_module.PointRun):
        """The engine, except that the run labelled "bad" raises as torch does at step 5."""

        def records(self):
            for record in super().records():
                if self.config.label == "bad" and record.step == 5:
                    raise RuntimeError("linalg.solve: singular matrix")
                yield record

    monkeypatch.setattr(jobs_module, "PointRun", Breaking)
    lab = page_module.SurfaceLabPage("en", "cpu")
    qtbot.addWidget(lab)
    messages: list[str] = []
    lab.statusMessage.connect(messages.append)
    steps = 300
    runs = [
        {"label": label, "optimizer": {"name": "sgd", "lr": 0.01}, "start": start, "steps": steps}
        for label, start in (("good 1", [2.0, 1.0]), ("bad", [1.0, 2.0]), ("good 2", [-2.0, 1.0]))
    ]
    try:
        lab.load_scene(parse_scene({"surface": {"formula": "x^2 + 3*y^2"}, "runs": runs}))
        assert lab.wait_idle(60), "the page stayed busy"
        by_label = {run.label: run for run in lab.runs.values()}
        for label in ("good 1", "good 2"):
            track = lab.recorder.get(by_label[label].id)
            assert track.count == steps + 1 and track.finished
            assert "failed" not in by_label[label].extra
        bad = by_label["bad"]
        assert bad.done and bad.extra["failed"] == "RuntimeError: linalg.solve: singular matrix"
        item = lab._item_for(bad.id)
        assert item.toolTip() == "bad failed: RuntimeError: linalg.solve: singular matrix"

        def centre(item):  # a swatch's centre: its colour, or the marker drawn in it
            image = item.icon().pixmap(28, 14).toImage()
            return image.pixelColor(image.width() // 2, image.height() // 2).name()

        good = lab._item_for(by_label["good 1"].id)
        assert centre(good) == by_label["good 1"].color.name()  # a colour swatch
        assert centre(item) != bad.color.name()  # a warning sign instead of the colour
        assert item.toolTip() in messages  # the status bar says it too
        assert lab.recorder.get(bad.id).count == 5  # steps 0..4 were recorded before it failed
        assert not lab.service.busy() and not lab.service.has_pending()
        # restarting the run clears the mark (it fails again, and is marked again)
        lab._restart_run(bad.id)
        assert item.toolTip() == "" and "failed" not in bad.extra
        assert centre(item) == bad.color.name()
        assert lab.wait_idle(60) and "singular matrix" in item.toolTip()
    finally:
        lab.shutdown()


def test_a_new_job_continues_the_streams_of_the_old_one(service):
    """Submitting another stream restarts the job: the unfinished stream goes on where it was
    (its ``make`` is called once; every item arrives once, in order), and racing streams grow
    together (each batch holds about the same compute of its own stream)."""
    made: list[str] = []

    def counted(name):
        make = _stream(name)

        def counting():
            made.append(name)
            return make()

        return counting

    items, done, failed = _collect(service)
    service.submit([("a", service.bump("a"), counted("a"))])
    assert _wait_for(lambda: len(items.get("a", [])) >= 3)
    service.submit([("b", service.bump("b"), counted("b"))])  # aborts the job, starts another
    assert _settle(service)
    assert made == ["a", "b"] and not failed and sorted(done) == ["a", "b"]
    assert items["a"] == list(range(ITEMS)) and items["b"] == list(range(ITEMS))


def test_a_stream_hands_over_its_first_items_before_it_finishes(service):
    """The first batch goes after a couple of milliseconds of the stream's compute, the later
    ones after more: the first items arrive while the stream is still computing."""
    batches: list[int] = []
    service.batchReady.connect(lambda batch: batches.append(len(batch.items)))
    service.submit([("a", service.bump("a"), _stream("a"))])
    assert _settle(service)
    assert sum(batches) == ITEMS
    assert batches[0] < ITEMS // 4 and len(batches) >= 4
    assert batches[0] <= max(batches[1:-1])  # batches grow from a small first one


def _wait_for(condition, timeout_s: float = 20.0) -> bool:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.001)
    return False
