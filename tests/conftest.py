# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures: the emulator over real HTTP, the collection on a collections path, and playbook runs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys

import pytest

from helpers import PlayRunner, source_collections_path

# Unit tests import the collection's Python code as ansible_collections.puhuri.core.
sys.path.insert(0, source_collections_path())


@pytest.fixture(scope='session')
def collections_path():
    return source_collections_path()


@pytest.fixture
def emulator():
    """A fresh emulator (Waldur 7.0.7 behaviour, the transcript's seed) on 127.0.0.1."""
    from emulator import Emulator
    emu = Emulator(waldur_version='7.0.7')
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator_8x():
    """A fresh emulator with Waldur 8.x behaviour."""
    from emulator import Emulator
    emu = Emulator(waldur_version='8.0.5')
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def run_play(tmp_path, collections_path):
    """run_play(tasks, check=False, diff=False, ...) runs one localhost play with ansible-playbook."""
    return PlayRunner(tmp_path, collections_path)
