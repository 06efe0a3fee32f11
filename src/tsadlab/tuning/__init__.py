"""Hyperparameter search: the space from config, the pipeline as a HyperModel, the tuner."""
