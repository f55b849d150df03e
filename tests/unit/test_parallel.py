# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the bounded concurrency (_parallel.each) and of the throttle the worker clients share.

No HTTP: the work functions are plain Python; the throttle is checked with a fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriClient
from ansible_collections.puhuri.core.plugins.module_utils._parallel import each, parallel_problem
from helpers import AtOnce

TOKEN = 'fb580ac69b93b41650711f44ef3a699059aa5cbf'


def client():
    return PuhuriClient('https://puhuri.example.org/api/', TOKEN)


def test_results_come_in_input_order_and_each_worker_has_its_own_session():
    main = client()
    seen = {}
    lock = threading.Lock()

    def work(worker, item):
        time.sleep(0.001 * (10 - item))  # later items finish first
        with lock:
            seen.setdefault(threading.current_thread().name, set()).add(id(worker.session))
        return item * item

    assert each(main, range(10), work, 4) == [i * i for i in range(10)]
    assert len(seen) == 4, 'four workers for ten items with parallel 4'
    sessions = set().union(*seen.values())
    assert len(sessions) == 4 and id(main.session) not in sessions
    assert all(len(ids) == 1 for ids in seen.values()), 'one session per worker'


def test_at_most_parallel_items_are_worked_on_at_once():
    at_once = AtOnce()

    def work(worker, item):
        with at_once:
            time.sleep(0.01)

    each(client(), range(12), work, 3)
    assert at_once.most == 3


def test_parallel_1_runs_in_this_thread_on_this_client():
    main = client()
    calls = []
    each(main, [1, 2, 3], lambda worker, item: calls.append((worker, threading.current_thread())), 1)
    assert calls == [(main, threading.current_thread())] * 3


def test_a_failing_item_loses_no_other_result_and_the_first_failure_is_raised_after_all():
    done = []

    def work(worker, item):
        if item in (2, 5):
            raise ValueError('item %d' % item)
        time.sleep(0.005)
        done.append(item)

    with pytest.raises(ValueError, match='item 2'):
        each(client(), range(8), work, 4)
    assert sorted(done) == [0, 1, 3, 4, 6, 7]


def test_a_429_holds_back_every_worker_of_the_client():
    """The throttle is shared: after one worker's hold, another worker's next request waits until then too."""
    main = client()
    other = main.worker()
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    main.throttle.hold(now[0] + 5.0)
    other.throttle.wait(lambda: now[0], sleep)
    assert waits == [5.0]
    other.throttle.wait(lambda: now[0], sleep)
    assert waits == [5.0], 'no wait once the time has come'
    assert other.throttle is main.throttle and other.warnings is main.warnings


@pytest.mark.parametrize('value, ok', [(1, True), (4, True), (32, True), (0, False), (33, False), (-2, False)])
def test_parallel_must_be_1_to_32(value, ok):
    problem = parallel_problem(value)
    assert (problem is None) == ok
    if not ok:
        assert problem.startswith('parallel must be a whole number from 1') and str(value) in problem


def test_workers_are_kept_for_the_next_batch_and_never_shared_at_once():
    """One connection per worker for the whole run: a second batch reuses the first batch's sessions; a batch started
    inside a worker (the pages of one of two listings read together) gets sessions no running worker holds."""
    main = client()
    created = []
    make_session = main._new_session  # pylint: disable=protected-access

    def new_session():
        created.append(make_session())
        return created[-1]
    main._new_session = new_session  # pylint: disable=protected-access
    in_use, clashes, lock = set(), [], threading.Lock()

    def hold(worker, item):
        with lock:
            if id(worker.session) in in_use:
                clashes.append(item)
            in_use.add(id(worker.session))
        time.sleep(0.005)
        result = each(worker, range(3), hold, 3) if item == 'outer-0' else item
        with lock:
            in_use.discard(id(worker.session))
        return result

    each(main, range(8), lambda worker, item: item, 4)
    assert len(created) == 4
    each(main, range(8), lambda worker, item: item, 4)
    assert len(created) == 4, 'the second batch reuses the four idle workers'
    assert each(main, ['outer-0', 'outer-1'], hold, 2) == [[0, 1, 2], 'outer-1']
    assert clashes == [], 'a session used by two threads at once'
    assert len(created) == 5, 'the inner batch of three took the two idle workers and one new one'
