# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay all calls of transcript-7.0.7.md, in order, against one fresh 7.0.7 emulator.

The whole transcript is replayed once per module (so the order holds under pytest-xdist too); each call is then
its own test that reports the differences found for it: status, X-Result-Count, body kind, 4xx bodies exactly,
2xx bodies by shape and values (see contract_transcript.Matcher).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import itertools
import os
import re
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(os.path.join(os.path.dirname(TESTS_DIR), 'pytest.ini')) and TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator import Emulator  # noqa: E402 pylint: disable=wrong-import-position
from emulator.store import DEFAULT_SEED  # noqa: E402 pylint: disable=wrong-import-position
from contract_transcript import Matcher, check, parse_transcript, send, transcript_path  # noqa: E402 pylint: disable=wrong-import-position

CALLS = parse_transcript()
RECORDED_AT = datetime.datetime(2026, 11, 28, 22, 20, 44, tzinfo=datetime.timezone.utc)


pytestmark = pytest.mark.contract


def ticking_clock():
    """The recording's time, advancing 1 ms per reading: billing periods and ordering as recorded."""
    ticks = itertools.count()
    return lambda: RECORDED_AT + datetime.timedelta(milliseconds=next(ticks))


def seed_uuids():
    with open(DEFAULT_SEED) as handle:
        return set(re.findall(r'\b[0-9a-f]{32}\b', handle.read())) | {'0' * 32}


@pytest.fixture(scope='module')
def replay():
    """call number -> list of differences, from one ordered replay of the whole transcript."""
    emulator = Emulator(waldur_version='7.0.7', now=ticking_clock())
    emulator.start()
    matcher = Matcher(seed_uuids())
    results = {}
    try:
        for call in CALLS:
            status, headers, body = send(emulator, call, matcher)
            results[call.number] = check(call, status, headers, body, matcher, emulator.base_url)
    finally:
        emulator.stop()
    return results


def test_transcript_is_complete():
    assert [c.number for c in CALLS] == list(range(1, 123)), transcript_path()


@pytest.mark.parametrize('call', CALLS, ids=[c.test_id for c in CALLS])
def test_call(replay, call):  # pylint: disable=redefined-outer-name
    failures = replay[call.number]
    assert not failures, 'call %d (%s):\n  %s' % (call.number, call.title, '\n  '.join(failures))
