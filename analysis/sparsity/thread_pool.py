"""Cut tensors into tasks and run them on a thread pool (numpy releases the GIL in its loops).

A task covers ~32 MiB of one tensor: element ranges, or whole block rows / column groups for
block metrics. Results are merged in the calling thread, so no locks are needed. Progress is
reported in bytes; cancellation is checked between tasks.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from .kernels import (CHUNK_ELEMENTS, BlockAccumulator, Counts, TensorJob, _Scratch,
                      count_block_rows, count_elements, finish_accumulator)
from .patterns import block_rows

TASK_ELEMENTS = 8 * CHUNK_ELEMENTS


class Cancelled(Exception):
    """The caller's cancel() returned True."""


_local = threading.local()


def _scratch() -> _Scratch:
    s = getattr(_local, "scratch", None)
    if s is None:
        s = _local.scratch = _Scratch()
    return s


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _element_tasks(job: TensorJob):
    size = job.geom.size
    test = job.test
    if test.per_channel:
        # whole rows, so each chunk knows its channels (zero points along axis 0)
        shape = job.geom.stored_shape
        row_len = size // shape[0] if shape and shape[0] else 0
        if test.axis != 0 or not row_len:
            raise ValueError("per-channel zero points are supported along axis 0 only")
        rows_per = max(1, TASK_ELEMENTS // row_len)
        sub = max(1, CHUNK_ELEMENTS // row_len)
        for r0 in range(0, shape[0], rows_per):
            r1 = min(shape[0], r0 + rows_per)

            def task(r0=r0, r1=r1):
                c = Counts()

                def fn(raw):
                    for s in range(r0, r1, sub):
                        s1 = min(r1, s + sub)
                        count_elements(raw[(s - r0) * row_len:(s1 - r0) * row_len], test,
                                       _scratch(), c, row_len, s)
                job.source.apply(r0 * row_len, r1 * row_len, fn)
                return c
            yield task, (r1 - r0) * row_len
        return
    for e0 in range(0, size, TASK_ELEMENTS):
        e1 = min(size, e0 + TASK_ELEMENTS)

        def task(e0=e0, e1=e1):
            c = Counts()
            job.source.apply(e0, e1, lambda raw: count_elements(raw, test, _scratch(), c))
            return c
        yield task, e1 - e0
    if size == 0:
        yield (lambda: Counts()), 0


def _block_tasks(job: TensorJob):
    geom, block, test = job.geom, job.block, job.test
    total_rows, row_len, unit = block_rows(geom, block)
    if total_rows == 0 or row_len == 0:
        yield (lambda: Counts()), 0
        return
    group_elems = unit * row_len
    if group_elems <= TASK_ELEMENTS:
        groups_per_task = max(1, TASK_ELEMENTS // group_elems)
        groups_per_chunk = max(1, CHUNK_ELEMENTS // group_elems)
        step = groups_per_task * unit
        for r0 in range(0, total_rows, step):
            r1 = min(total_rows, r0 + step)

            def task(r0=r0, r1=r1):
                c = Counts()

                def fn(raw):
                    for s in range(r0, r1, groups_per_chunk * unit):
                        s1 = min(r1, s + groups_per_chunk * unit)
                        count_block_rows(raw[(s - r0) * row_len:(s1 - r0) * row_len], s, s1 - s,
                                         test, geom, block, _scratch(), c)
                job.source.apply(r0 * row_len, r1 * row_len, fn)
                return c
            yield task, (r1 - r0) * row_len
        return
    # One block row (or column group) is bigger than a task: accumulate it over sub-chunks.
    sub = max(1, CHUNK_ELEMENTS // row_len)
    for g0 in range(0, total_rows, unit):

        def task(g0=g0):
            c = Counts()
            acc = BlockAccumulator()
            for s in range(g0, g0 + unit, sub):
                s1 = min(g0 + unit, s + sub)
                job.source.apply(s * row_len, s1 * row_len, lambda raw, s=s, s1=s1: count_block_rows(
                    raw, s, s1 - s, test, geom, block, _scratch(), c, acc))
            finish_accumulator(acc, block, c)
            return c
        yield task, group_elems


def tasks_for(job: TensorJob):
    if job.block is not None:
        return _block_tasks(job)
    return _element_tasks(job)


def run_jobs(jobs: list[TensorJob], threads: int | None = None, progress=None, cancel=None,
             itemsizes: dict | None = None) -> None:
    """Fill each job.counts. progress(done_bytes, total_bytes); cancel() -> True stops."""
    planned = []
    for i, job in enumerate(jobs):
        isz = job.test.fmt.itemsize
        for fn, n in tasks_for(job):
            planned.append((i, fn, n * isz))
    total = sum(p[2] for p in planned)
    done = 0
    threads = threads or default_threads()
    stop = threading.Event()

    def guarded(fn):
        if stop.is_set():
            return None
        return fn()

    if threads == 1 or len(planned) <= 1:
        for i, fn, nbytes in planned:
            if cancel is not None and cancel():
                raise Cancelled()
            jobs[i].counts.add(fn())
            done += nbytes
            if progress:
                progress(done, total)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="sparsity") as ex:
        pending = {ex.submit(guarded, fn): (i, nbytes) for i, fn, nbytes in planned}
        try:
            while pending:
                finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i, nbytes = pending.pop(fut)
                    result = fut.result()
                    if result is not None:
                        jobs[i].counts.add(result)
                    done += nbytes
                if progress and finished:
                    progress(done, total)
                if cancel is not None and cancel():
                    raise Cancelled()
        except BaseException:
            stop.set()
            for fut in pending:
                fut.cancel()
            raise
