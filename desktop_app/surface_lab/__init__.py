"""The Surface Lab page: optimizers racing on a 2D loss surface."""
