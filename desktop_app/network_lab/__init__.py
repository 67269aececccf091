"""The Network Lab: build a small network, train it live, look at its curves and curvature."""
