"""Entry point of the PyInstaller bundle: the same ``main()`` as the ``losslab`` console script."""

import multiprocessing
import sys

from desktop_app.main import main

if __name__ == "__main__":
    # A frozen program that starts worker processes must call this first (no-op elsewhere).
    multiprocessing.freeze_support()
    sys.exit(main())
