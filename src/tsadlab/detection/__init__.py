"""Detection: a fitted threshold's per-row flags and events, and the scores table of a run."""
