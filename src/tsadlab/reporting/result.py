"""What a report found and wrote: the runs, the summary, figures and the comparison."""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tsadlab.reporting.stats import RankComparison


@dataclass
class Report:
    """What a report found and wrote."""

    out: Path
    runs: pd.DataFrame
    keys: list[str]
    metrics: list[str]
    summary: pd.DataFrame
    figures: list[Path] = field(default_factory=list)
    comparison: RankComparison | None = None
    comparison_metric: str | None = None
