import os

# Qt tests render offscreen unless a display was chosen on purpose (e.g. Xvfb for the GL view).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
