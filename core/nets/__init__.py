"""Small networks trained live: datasets, the model builder, the trainer generator, curvature,
landscape slices and the one-click experiments of the notes. GUI-free (numpy + torch)."""
