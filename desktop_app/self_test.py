"""``losslab self-test``: check the installation, one line per check, non-zero exit on failure."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback


def _check_qt_paints() -> str:
    from desktop_app.app import create_application

    app = create_application()
    import numpy as np
    import pyqtgraph as pg

    widget = pg.PlotWidget()
    widget.resize(320, 200)
    widget.plot(np.arange(50), np.sin(np.arange(50) / 5), pen=pg.mkPen("r", width=2))
    widget.show()
    app.processEvents()
    image = widget.grab().toImage()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    widget.close()
    if len(colours) < 3:
        raise RuntimeError("a plot painted as a single colour")
    return f"Qt platform '{app.platformName()}', a pyqtgraph plot paints ({len(colours)} colours)"


def _check_torch() -> str:
    import torch

    from core.device import describe_device, resolve_device

    device = resolve_device("auto")
    x = torch.ones(3, device=device, requires_grad=True)
    (x**2).sum().backward()
    if not torch.equal(x.grad.cpu(), torch.full((3,), 2.0)):
        raise RuntimeError("autograd gave a wrong gradient")
    return f"torch {torch.__version__} on {describe_device(device)}, autograd works"


def _check_scene() -> str:
    import json

    from core.lessons import list_lessons
    from core.runner import run_scene
    from core.scene import load_scene

    lessons = list_lessons()
    if not lessons:
        raise RuntimeError("no built-in lesson scenes found")
    result = run_scene(load_scene(lessons[0].path), steps=10, device="cpu")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "result.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump(result, out)
    return f"{len(lessons)} lesson scenes; '{lessons[0].key}' runs ({len(result['runs'])} runs)"


CHECKS = [("Qt", _check_qt_paints), ("torch", _check_torch), ("scene", _check_scene)]


def self_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    failed = 0
    for name, check in CHECKS:
        try:
            print(f"ok    {name:6s} {check()}")
        except Exception as error:  # report every check, then fail
            failed += 1
            print(f"FAIL  {name:6s} {error.__class__.__name__}: {error}", file=sys.stderr)
            if os.environ.get("LOSSLAB_DEBUG"):
                traceback.print_exc()
    print("self-test passed" if not failed else f"self-test FAILED ({failed} check(s))")
    return 1 if failed else 0
