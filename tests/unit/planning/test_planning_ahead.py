"""`_ahead.Ahead`: work over a list started on a second thread, finished by the caller's or dropped."""

from __future__ import annotations

import threading

import pytest

from fera.planning._ahead import Ahead

WAIT_S = 60.0  # generous: a loaded 2-core machine


def test_the_caller_joins_in_and_the_results_keep_their_order() -> None:
    main = threading.get_ident()
    working = {True: threading.Event(), False: threading.Event()}  # by "is the caller's thread"
    workers: list[int] = []

    def work(item: int) -> int:
        mine = threading.get_ident() == main
        workers.append(threading.get_ident())
        working[mine].set()
        assert working[not mine].wait(WAIT_S)  # each thread holds its first item until the other works
        return item * item

    ahead = Ahead(work, list(range(10)))
    assert ahead.results() == [i * i for i in range(10)]
    assert len(workers) == 10
    assert main in workers and len(set(workers)) == 2


def test_cancel_takes_no_more_items_and_waits_for_the_one_in_progress() -> None:
    started, release = threading.Event(), threading.Event()
    done: list[int] = []

    def work(item: int) -> int:
        if item == 0:
            started.set()
            assert release.wait(WAIT_S)
        done.append(item)
        return item

    ahead = Ahead(work, list(range(5)))
    assert started.wait(WAIT_S)
    ahead.stop()
    release.set()
    ahead.cancel()
    assert done == [0]


def test_a_failure_on_the_second_thread_is_raised_to_the_caller() -> None:
    failed = threading.Event()

    def work(item: int) -> int:
        if threading.current_thread() is not threading.main_thread():
            failed.set()
            raise RuntimeError(f"item {item} failed")
        assert failed.wait(WAIT_S)  # the caller's item waits for the second thread's
        return item

    ahead = Ahead(work, list(range(3)))
    with pytest.raises(RuntimeError, match="failed"):
        ahead.results()
