# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PYTHONPATH=tests python -m emulator --host 127.0.0.1 --port 8080 [--waldur-version 7.0.7|8.0.5] [--extra-allocations N] [--seed PATH]
[--faults SPEC] [--fault-seed N] [--tls]"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import signal
import sys
import threading

from .server import Emulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m emulator', description='Waldur API emulator (service-provider subset).')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--waldur-version', default='7.0.7', help='7.0.7 (recorded behaviour) or an 8.x version such as 8.0.5')
    parser.add_argument('--extra-allocations', type=int, default=0, help='add N deterministic allocations of Provider Org')
    parser.add_argument('--seed', default=None, help='seed JSON file (default: seed.json beside the emulator)')
    parser.add_argument('--faults', default=None,
                        help='inject faults, e.g. error=0.2,throttle=0.1,drop=0.05,drop_after=0.05,slow=0.05,retry_after=1,'
                             'slow_seconds=2 (see faults.py; change later with PUT /__emulator__/faults)')
    parser.add_argument('--fault-seed', type=int, default=0, help='seed of the fault draws (same seed, same faults)')
    parser.add_argument('--tls', action='store_true', help='serve HTTPS with a self-signed CA made at start (its path is printed)')
    args = parser.parse_args(argv)

    try:
        emulator = Emulator(waldur_version=args.waldur_version, extra_allocations=args.extra_allocations, seed=args.seed,
                            host=args.host, port=args.port, faults=args.faults, fault_seed=args.fault_seed, tls=args.tls)
    except ValueError as error:  # a bad --faults spec
        parser.error(str(error))
    emulator.start()
    print('Waldur emulator %s at %s' % (emulator.waldur_version, emulator.url), flush=True)
    if emulator.ca_path:
        print('TLS CA certificate: %s' % emulator.ca_path, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    while not stop.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
