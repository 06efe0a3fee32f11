"""tsadlab-bench's sweeper as a Hydra plugin: Hydra instantiates sweepers only from the
`hydra_plugins` package; the code is `tsadlab.bench.sweeper`."""

from tsadlab.bench.sweeper import BenchSweeper as _BenchSweeper


class BenchSweeper(_BenchSweeper):
    """See `tsadlab.bench.sweeper.BenchSweeper`."""
