"""Data stages: sources -> split/transform/scale -> windows."""
