"""--engine dask: the same evaluation on a Dask cluster.

Each fragment of a Parquet dataset (a run of row groups of one file) is a task that returns the
Accumulator of its rows, numbered as the local engine numbers them (so bootstrap weights and error
rows do not depend on the partitioning). The states are merged on the cluster in a fixed binary tree
with the same merge() as everywhere else, so a rerun task (a lost worker) changes no bit of the
result. Rows are counted against the Parquet footers: no report silently skips data. With --auc
the sorted scores stay on the workers and are walked by score range (engine/dask_ranking.py).
A list column read as columns (prepare/list_targets.py: one-hot or soft labels, a list of two
probabilities) is read so by every task, through the view the driver decided on.
"""

from __future__ import annotations

import copy
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from xentcli.engine.accumulate import Accumulator, accumulate
from xentcli.engine.dask_ranking import rank_on_cluster, without_entries
from xentcli.engine.plan import Plan
from xentcli.errors import InputError, UsageError
from xentcli.io import storage
from xentcli.io.dataset import DatasetSource, with_partitions
from xentcli.io.parquet import ParquetSource
from xentcli.io.source import Source
from xentcli.prepare.list_targets import ListTargets

FRAGMENT_ROWS = 1 << 20  # consecutive row groups of a file are joined up to about this many rows
CONNECT_SECONDS = 10  # a scheduler that does not answer in this long is an error

View = tuple[str, int, bool]  # a ListTargets view: its column, width, and whether predictions


@dataclass(frozen=True)
class Fragment:
    """Row groups of one Parquet file: one task."""

    path: str
    row_groups: tuple[int, ...]
    first_row: int  # 0-based index of its first row in the whole input
    rows: int  # as the footer says
    partition: tuple[tuple[str, str], ...] = ()  # hive key=value pairs of its folders

    def __str__(self) -> str:
        return f"{self.path} (row groups {self.row_groups[0]}-{self.row_groups[-1]})"


class FragmentSource:
    """A fragment read as a Source: named like the whole input, as the local engine names it."""

    format = "parquet"

    def __init__(self, fragment: Fragment, name: str, types: dict[str, pa.DataType]) -> None:
        self.fragment = fragment
        self.name = name
        self.types = types
        self.file = ParquetSource(fragment.path)
        self.column_names = self.file.column_names + [k for k, _ in fragment.partition]
        self.num_rows: int | None = fragment.rows

    def column_types(self) -> dict[str, str]:
        """The file's stored types (the layout was decided before the tasks ran)."""
        return self.file.column_types()

    def consumed(self, rows: int) -> float | None:
        """Progress comes from the finished tasks, not from inside one."""
        return None

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """The fragment's batches, partition columns filled in."""
        values = dict(self.fragment.partition)
        yield from with_partitions(
            self.file,
            values,
            self.types,
            numeric,
            labels,
            chunk_rows,
            keys,
            row_groups=self.fragment.row_groups,
        )


def views_of(source: Source) -> tuple[Source, tuple[View, ...]]:
    """The source under its list views (ListTargets), and the views, innermost first."""
    views: list[View] = []
    while isinstance(source, ListTargets):
        views.insert(0, (source.column, source.width, source.predictions))
        source = source.inner
    return source, tuple(views)


def fragments_of(source: Source, fragment_rows: int | None = None) -> list[Fragment]:
    """The fragments of a Parquet file or dataset, in row order."""
    fragment_rows = fragment_rows or FRAGMENT_ROWS
    source, _ = views_of(source)
    if isinstance(source, ParquetSource):
        parts: Iterable[tuple[ParquetSource, dict[str, str]]] = [(source, {})]
    elif isinstance(source, DatasetSource) and source.format == "parquet":
        parts = zip(source.parts(), source.partitions, strict=True)  # each footer read in turn
    else:
        raise UsageError(
            f"--engine dask reads Parquet (a file, a directory or a glob of .parquet files); "
            f"{source.name} is {source.format}: convert it to Parquet or use --engine local"
        )
    fragments: list[Fragment] = []
    first_row = 0
    for part, values in parts:
        groups: list[int] = []
        rows = 0
        counts = part.row_group_rows()
        # workers may run elsewhere: a local path is made absolute (they must see the same disk)
        path = part.name if storage.is_url(part.name) else os.path.abspath(part.name)
        for index, count in enumerate(counts):
            groups.append(index)
            rows += count
            if rows >= fragment_rows or index == len(counts) - 1:
                partition = tuple(sorted(values.items()))
                fragments.append(Fragment(path, tuple(groups), first_row, rows, partition))
                first_row += rows
                groups, rows = [], 0
    return fragments


def run_fragment(
    fragment: Fragment,
    name: str,
    types: dict[str, pa.DataType],
    plan: Plan,
    views: tuple[View, ...] = (),
) -> Accumulator:
    """The task: one fragment's Accumulator, its list columns read through `views`."""
    source: Source = FragmentSource(fragment, name, types)
    for column, width, predictions in views:
        source = ListTargets(source, column, width, predictions)
    acc = accumulate(source, None, plan, first_row=fragment.first_row)
    if acc.read != fragment.rows:
        raise InputError(
            f"read {acc.read} rows; the footer lists {fragment.rows}", file=str(fragment)
        )
    return acc


def merged(left: Accumulator, right: Accumulator) -> Accumulator:
    """A tree node: the two states merged (a copy: a task's inputs stay as they were)."""
    return copy.deepcopy(left).merge(right)


def accumulate_on_dask(
    source: Source,
    plan: Plan,
    progress: Callable[[int, float | None], None] | None = None,
) -> Accumulator:
    """Every fragment's state, computed and merged on the cluster."""
    fragments = fragments_of(source)
    expected = sum(f.rows for f in fragments)
    if not fragments:
        return Accumulator(plan.breakdowns, source.name, plan.scoring.convention != "sklearn")
    stored, views = views_of(source)
    types = stored.partition_types if isinstance(stored, DatasetSource) else {}
    run = uuid.uuid4().hex[:12]
    with _client(plan.scheduler) as client:
        from distributed import as_completed

        futures = [
            client.submit(
                run_fragment, f, source.name, types, plan, views, key=f"xentcli-{run}-f{i}"
            )
            for i, f in enumerate(fragments)
        ]
        rows_of = {future.key: f.rows for future, f in zip(futures, fragments, strict=True)}
        level, depth = futures, 0
        if plan.breakdowns.auc:  # the tree merges totals; the scores stay where they were read
            level = [
                client.submit(without_entries, f, key=f"xentcli-{run}-e{i}")
                for i, f in enumerate(futures)
            ]
        while len(level) > 1:
            depth += 1
            level = [
                client.submit(merged, *level[i : i + 2], key=f"xentcli-{run}-m{depth}-{i}")
                if i + 1 < len(level)
                else level[i]
                for i in range(0, len(level), 2)
            ]
        done = 0
        for future in as_completed(futures):
            future.result()  # a fragment's error is raised here, naming it
            done += rows_of[future.key]
            if progress is not None:
                progress(done, done / expected if expected else None)
        acc: Accumulator = level[0].result()
        if plan.breakdowns.auc and acc.read == expected:
            rank_on_cluster(client, run, futures, acc)
    if acc.read != expected:
        raise InputError(
            f"read {acc.read} rows; the Parquet footers list {expected}", file=source.name
        )
    return acc


@contextmanager
def _client(address: str | None) -> Iterator[Any]:
    """A client of the scheduler at `address`, or of a new LocalCluster of processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--engine dask needs dask.distributed: pip install 'xentcli[dask]'"
        ) from None
    if address is None:
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        )
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler ({exc})", file=address) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise InputError(
                f"the Dask scheduler has no workers (waited {CONNECT_SECONDS} s)", file=address
            ) from None
        yield client
