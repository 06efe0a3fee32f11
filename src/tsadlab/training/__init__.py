"""Training: building a fresh model, fitting it with the project's callbacks, batches for
long series, and resuming an interrupted training."""
