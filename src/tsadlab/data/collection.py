"""What every benchmark-archive source shares: the archive's folder as its publisher ships
it (`data.root`), and which of its series a run takes: one file (`data.series`, relative to
the root) or a list (`data.file_list`: an official list's name, or a file of names).

A source built on this module registers a subclass of `CollectionDataConfig` and calls
`collection_dataset` with the names its archive holds and a loader for one of them, so
that `data.series`, `data.file_list` and their errors mean the same in every archive.
"""

import csv
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from omegaconf import MISSING

from tsadlab.data.config import FileDataConfig
from tsadlab.data.series import Dataset, Series
from tsadlab.errors import ConfigError, DataError


@dataclass
class CollectionDataConfig(FileDataConfig):
    """An archive's folder, and one series of it (`series`) or a list (`file_list`)."""

    root: str = MISSING  # the archive's folder, as unpacked
    series: str | None = None  # one file, relative to root
    file_list: str | None = None  # an official list's name, or a file of names (one per line)


def read_file_list(spec: str, official: Mapping[str, Path] | None = None) -> list[str]:
    """The names a list holds: `spec` is an official list's name (a key of `official`) or
    the path of a file with one name per line, or a CSV whose first column holds them under
    a header (TSB-AD's lists: `file_name`). Blank lines and `#` comments are skipped."""
    official = official or {}
    path = official.get(spec, Path(spec).expanduser())
    if not path.is_file():
        known = f"official lists: {', '.join(sorted(official))}; " if official else ""
        raise ConfigError(
            f"Received: data.file_list={spec} (no such file; {known}or a file of names, "
            "one per line)"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    names = [row[0].strip() for row in rows if not row[0].lstrip().startswith("#")]
    if names and names[0] == "file_name":  # TSB-AD's header
        names = names[1:]
    if not names:
        raise DataError(f"file list {path} names no series")
    return names


def archive_files(root: str | Path, pattern: str, what: str) -> dict[str, str]:
    """The files under `root` that `pattern` (a glob relative to root; `**/` reaches into
    subfolders) matches, keyed by every name a selection may give for one: its path relative
    to root, and also its bare file name where no other file shares it (an official list
    names files bare, while an archive may unpack into a subfolder). Values are the relative
    paths. Hidden files (a zip's `._*` companions) are left out; `what` names the archive in
    the error for a root that is not a folder."""
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise DataError(
            f"Received: data.root={root} (not a folder; set it to the folder {what} was "
            "unpacked into)"
        )
    paths = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.glob(pattern)
        if path.is_file() and not path.name.startswith(".")
    )
    names = {path: path for path in paths}
    bare = Counter(PurePosixPath(path).name for path in paths)
    for path in paths:
        if bare[PurePosixPath(path).name] == 1:
            names.setdefault(PurePosixPath(path).name, path)
    return names


def refuse_time_repairs(data: FileDataConfig, archive: str) -> None:
    """One line for `data.order` or `data.duplicates` set on an archive whose rows have no
    times (they repair times, so they would be ignored there)."""
    for key in ("order", "duplicates"):
        value = getattr(data, key)
        value = getattr(value, "value", value)
        if value != "error":
            raise ConfigError(
                f"Received: data.{key}={value} ({archive} files have no time column: their rows "
                f"are numbered, never reordered or merged; leave data.{key} unset)"
            )


def refuse_category_with_selection(data: CollectionDataConfig, category: str | None) -> None:
    """One line for a category set together with `data.series` or `data.file_list`."""
    if category and (data.series or data.file_list):
        chosen = f"series={data.series}" if data.series else f"file_list={data.file_list}"
        raise ConfigError(
            f"Received: data.category={category} and data.{chosen} (set one: a category, one "
            "series or a list of series)"
        )


def named_files_dataset(
    data: CollectionDataConfig,
    glob: str,
    name: re.Pattern,
    example: str,
    archive: str,
    load: Callable[[str], Series],
    official: Mapping[str, Path] | None = None,
) -> Dataset:
    """A collection whose series are the files under root that `glob` finds and whose names
    `name` matches (an archive names its files by a pattern, e.g. TSB-AD's and UCR's);
    `data.series` and `data.file_list` choose among them, runs are named by file stem.
    `load` reads one file (its path relative to root); `archive` names the archive in
    errors."""
    names = archive_files(data.root, glob, archive)
    every = sorted(p for p in set(names.values()) if name.fullmatch(PurePosixPath(p).name))
    if not every and not (data.series or data.file_list):
        raise DataError(
            f"no {archive} files under {data.root} (expected names like {example}; set "
            f"data.root to the folder {archive} was unpacked into)"
        )
    return collection_dataset(
        data,
        list(names),
        lambda chosen: load(names[chosen]),
        official=official,
        listed=every,
        run_name=lambda chosen: PurePosixPath(chosen).stem,
    )


def collection_dataset(
    data: CollectionDataConfig,
    available: list[str],
    load: Callable[[str], Series],
    official: Mapping[str, Path] | None = None,
    listed: list[str] | None = None,
    run_name: Callable[[str], str] = lambda name: name,
) -> Dataset:
    """The series a collection config names: `data.series`, the names in `data.file_list`,
    else `listed` (a source's own selection, e.g. a category), else every name in
    `available`. Every chosen name must be in `available` (the archive's files); the first
    one missing is one line naming the root. `run_name` maps a file name to the series'
    name in run folders (a name without '/')."""
    if data.series and data.file_list:
        raise ConfigError(
            f"Received: data.series={data.series} and data.file_list={data.file_list} "
            "(set one: a single file, or a list of files)"
        )
    if data.series:
        names = [data.series]
    elif data.file_list:
        names = read_file_list(data.file_list, official)
    elif listed is not None:
        names = listed
    else:
        names = available
    present = set(available)
    absent = [name for name in names if name not in present]
    if absent:
        example = ", ".join(sorted(available)[:3]) or "none"
        raise DataError(
            f"{len(absent)} series not found in {data.root}, e.g. {absent[0]} (names are "
            f"relative to data.root; present there: {example}, ...)"
        )
    if not names:
        raise DataError(f"no series to run in {data.root}")
    files: dict[str, str] = {}
    for name in names:
        other = files.setdefault(run_name(name), name)
        if other != name:
            raise DataError(
                f"{other} and {name} in {data.root} would both run as {run_name(name)} (name "
                "one of them, or list them in data.file_list separately)"
            )
    return Dataset(data.name, tuple(files), lambda name: load(files[name]), files=files)
