"""Re-evaluating a finished run under another threshold or alignment, without retraining."""
