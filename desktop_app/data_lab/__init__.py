"""The "Data & batches" page: surfaces made from training examples, minibatches and experiments."""
