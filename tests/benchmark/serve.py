# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator, serving the benchmark site, in a process of its own (never inside the measured process tree).

  PYTHONPATH=tests python -m benchmark.serve --n 1000 --waiting 100 [--latency-ms 25]

Prints one JSON line {"url", "token"} when it listens, then obeys one command per stdin line and answers one JSON
line each: `reset` (the site as built, request log empty), `take` (the request log as
[[method, path, query], ...], then empty it). Ends when stdin closes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import sys
import time

from emulator import Emulator

from benchmark import site


def reset(emu, n, waiting):
    emu.reset()
    with emu.lock:
        site.build(emu.store, n, waiting)
    emu.clear_requests()


def add_latency(emu, seconds):
    """Answer every API call `seconds` later, as a portal across a network does (outside the emulator's lock)."""
    dispatch = emu.dispatch

    def delayed(req):
        if not req.path.startswith('/__emulator__/'):
            time.sleep(seconds)
        return dispatch(req)
    emu.dispatch = delayed


def main(argv=None):
    parser = argparse.ArgumentParser(description='The emulator serving the benchmark site.')
    parser.add_argument('--n', type=int, required=True)
    parser.add_argument('--waiting', type=int, required=True)
    parser.add_argument('--waldur-version', default='7.0.7')
    parser.add_argument('--latency-ms', type=float, default=0.0, help='delay of every API answer (default 0)')
    args = parser.parse_args(argv)
    emu = Emulator(waldur_version=args.waldur_version)
    if args.latency_ms:
        add_latency(emu, args.latency_ms / 1000.0)
    emu.start()
    reset(emu, args.n, args.waiting)
    answer({'url': emu.url, 'token': emu.TOKENS['sp-owner']})
    for line in sys.stdin:
        command = line.strip()
        if command == 'reset':
            reset(emu, args.n, args.waiting)
            answer({'ok': True})
        elif command == 'take':
            log = [[r['method'], r['path'], r.get('query') or ''] for r in emu.requests]
            emu.clear_requests()
            answer(log)
        else:
            answer({'error': 'unknown command %r' % command})
    emu.stop()
    return 0


def answer(data):
    sys.stdout.write(json.dumps(data) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    sys.exit(main())
