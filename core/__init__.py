"""LossLab's GUI-free engine. Never imports Qt, pyqtgraph, superqt or desktop_app."""

__version__ = "0.1.0"
