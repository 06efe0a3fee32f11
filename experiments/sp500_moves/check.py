"""Issue 17's targets, checked on finished run folders from their files and the bundled close
alone (moves.py; no tsadlab code):

- default runs (`--default`, the tutorial's period): in every run, most (at least 6) of the ten
  largest absolute daily moves of the scored test period lie within three trading days of a
  detected test event, and at most 10 test days a year are flagged;
- full-series runs (`--full`, data=sp500_full): a detected test event has a day in March 2020.

python experiments/sp500_moves/check.py --default outputs/a outputs/b --full outputs/c
prints one line per run and the ten moves, and exits 1 when a target is missed.
"""

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moves import N_MOVES, load_close, measure_run

MOST_OF_TEN = 6
MAX_DAYS_PER_YEAR = 10.0
MARCH_2020 = (pd.Timestamp("2020-03-01"), pd.Timestamp("2020-03-31"))


def unfinished(run_dir: Path) -> str | None:
    """Why run_dir is not a finished run, or None when it is."""
    try:
        status = json.loads((run_dir / "status.json").read_text())["status"]
    except (OSError, ValueError, KeyError):
        return f"MISS {run_dir}: no readable status.json (not a run folder?)"
    if status != "finished" or not (run_dir / "events.csv").exists():
        return f"MISS {run_dir}: not a finished run (status: {status})"
    return None


def check_default(run_dir: Path, close: pd.Series) -> tuple[bool, str]:
    if why := unfinished(run_dir):
        return False, why
    found = measure_run(run_dir, close)
    ok = found.n_found >= MOST_OF_TEN and found.days_per_year <= MAX_DAYS_PER_YEAR
    line = (
        f"{'ok  ' if ok else 'MISS'} {run_dir}: {found.n_found}/{N_MOVES} of the largest moves of "
        f"{found.start}..{found.end} near a test event (target >= {MOST_OF_TEN}), "
        f"{found.days_per_year:.1f} flagged days a year (target <= {MAX_DAYS_PER_YEAR:g}), "
        f"{found.events} events; found: {found.found_text() or 'none'}"
    )
    return ok, line


def check_full(run_dir: Path) -> tuple[bool, str]:
    if why := unfinished(run_dir):
        return False, why
    events = pd.read_csv(run_dir / "events.csv")
    test = events[events["split"] == "test"]
    start, end = pd.to_datetime(test["start"]), pd.to_datetime(test["end"])
    hits = test[(start <= MARCH_2020[1]) & (end >= MARCH_2020[0])]
    ok = not hits.empty
    pairs = zip(hits["start"], hits["end"], strict=True)
    spans = "; ".join(f"{s[:10]}..{e[:10]}" for s, e in pairs)
    return ok, f"{'ok  ' if ok else 'MISS'} {run_dir}: March 2020 events: {spans or 'none'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--default", nargs="*", type=Path, default=[], help="default run folders")
    parser.add_argument("--full", nargs="*", type=Path, default=[], help="sp500_full run folders")
    args = parser.parse_args(argv)
    if not args.default and not args.full:
        parser.error("give run folders after --default and/or --full")
    close = load_close()
    results = [check_default(d, close) for d in args.default]
    results += [check_full(d) for d in args.full]
    for _, line in results:
        print(line)
    finished = [d for d in args.default if unfinished(d) is None]
    if finished:
        moves = measure_run(finished[0], close).moves
        listed = ", ".join(f"{d:%Y-%m-%d} {m:+.1f}%" for d, m, _ in moves.itertuples(index=False))
        print(f"the ten largest moves of the default test period: {listed}")
    missed = sum(not ok for ok, _ in results)
    print(f"{len(results) - missed} of {len(results)} runs meet the targets")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
