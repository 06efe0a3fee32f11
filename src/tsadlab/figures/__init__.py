"""Figures of runs and searches: PNGs and plotly pages that work offline."""
