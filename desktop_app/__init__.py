"""LossLab's Qt shell: the only layer that imports PySide6, pyqtgraph or superqt."""
