# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one command and measure it: wall time and the peak memory of its whole process tree (Linux /proc, stdlib only).

The tree is found by scanning /proc for parent ids (ansible-playbook forks workers, which start the module's
Python). Memory is sampled every 20 ms as two sums over the tree: RSS (counts pages shared between a parent and its
forks once per process, so it overstates) and PSS (shares them out, so the sum is the tree's real footprint); and the
largest RSS of a single process of the tree.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import threading
import time

PAGE = os.sysconf('SC_PAGE_SIZE')
MB = 1024.0 * 1024.0


def _parent_ids():
    parents = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as handle:
                stat = handle.read()
        except OSError:  # the process ended while we looked
            continue
        # The command name (2nd field) may hold spaces and parentheses: the fields after the last ')' are fixed.
        parents[int(name)] = int(stat[stat.rindex(')') + 2:].split()[1])
    return parents


def tree(root):
    parents = _parent_ids()
    members, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        members.extend(frontier)
    return members


def _rss(pid):
    with open('/proc/%d/statm' % pid) as handle:
        return int(handle.read().split()[1]) * PAGE


def _pss(pid):
    with open('/proc/%d/smaps_rollup' % pid) as handle:
        for line in handle:
            if line.startswith('Pss:'):
                return int(line.split()[1]) * 1024
    return 0


class TreeSampler(threading.Thread):
    def __init__(self, root, interval=0.02):
        super(TreeSampler, self).__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.peak_single = 0
        self.stopped = threading.Event()

    def sample(self):
        rss = pss = alive = 0
        for pid in tree(self.root):
            try:
                one = _rss(pid)
                pss += _pss(pid)
            except (OSError, ValueError):
                continue
            rss += one
            alive += 1
            self.peak_single = max(self.peak_single, one)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, alive)

    def run(self):
        while not self.stopped.wait(self.interval):
            self.sample()


class Measurement(object):
    def __init__(self, rc, wall, peak_rss, peak_pss, peak_single, processes, stdout, stderr):
        self.rc = rc
        self.wall = wall
        self.peak_rss_mb = peak_rss / MB
        self.peak_pss_mb = peak_pss / MB
        self.peak_single_mb = peak_single / MB
        self.processes = processes
        self.stdout = stdout
        self.stderr = stderr


def run(command, env=None, cwd=None):
    """Run `command` (a list), wait for it, and return a Measurement."""
    started = time.monotonic()
    with open(os.devnull) as devnull:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=devnull, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True)
    sampler = TreeSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.monotonic() - started
    sampler.stopped.set()
    sampler.join()
    return Measurement(process.returncode, wall, sampler.peak_rss, sampler.peak_pss, sampler.peak_single, sampler.peak_processes, stdout,
                       stderr)
