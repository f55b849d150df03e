# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark of issue #7: a whole provider site through the roles, against the floor and a naive playbook.

  python tests/benchmark/run.py [--n 1000] [--n 5000] [--naive-sample K] [--repeat R] [--latency-ms MS ...]
                                [--parallel P] [--clients roles,rolesvars,floor,cfloor,naive] [--markdown FILE]

Per N it starts the emulator in a process of its own (tests/benchmark/serve.py) with a site of N Slurm
allocations, a tenth of them waiting for the provider, and measures four cases; each client starts from the same site:
  1 provision       playbooks/provision.yml: approve, set backend_id and report where needed, the rest as declared
  2 provision again the same, nothing to do
  3 usage           playbooks/report_usage.yml: N allocations x 3 components
  4 usage again     the same, nothing to do
with these clients: roles (the collection, puhuri_parallel P, the declarations in puhuri_allocations_file and the
usage in puhuri_usage_file), rolesvars (the same, the declarations as the variable puhuri_allocations), (a) floor =
baseline_floor.py (requests, fewest calls, one after the other), (c) concurrent floor = the same script with the
same requests on P threads, (b) naive = naive_*.yml (one module run per allocation). With --naive-sample K, (b) runs
on K allocations (the same share waiting), its requests are scaled by N/K and its time beyond the playbook's start-up
too: rows marked "extrapolated".
Requests are counted from the emulator's log; memory is the peak of the whole process tree (see measure.py).
--latency-ms delays every answer of the emulator, as a portal across a network does (0 measures the clients alone);
repeat it (--latency-ms 0 --latency-ms 25 --latency-ms 50) for a table per latency. The ratios time / (a) and
time / (c) compare each client with the two floors in the same run; "beyond start-up" is the time minus the
ansible-playbook start-up (one ping task) of the same run.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, TESTS)

from benchmark import measure, site  # noqa: E402  (needs the tests directory on sys.path)
from helpers import source_collections_path  # noqa: E402

CASES = ('provision', 'provision again', 'usage', 'usage again')
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')
ROLES_VARS = 'roles, declarations as variables'
LISTINGS = ('marketplace-provider-resources/', 'marketplace-orders/', 'marketplace-component-usages/')


class Emulator(object):
    """The emulator process of serve.py and its stdin/stdout command channel."""

    def __init__(self, n, waiting, latency_ms):
        env = dict(os.environ, PYTHONPATH=TESTS)
        self.process = subprocess.Popen([sys.executable, '-m', 'benchmark.serve', '--n', str(n), '--waiting', str(waiting),
                                         '--latency-ms', str(latency_ms)],
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True)
        hello = self._answer()
        self.url, self.token = hello['url'], hello['token']

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit('the emulator process ended (exit %s)' % self.process.wait())
        return json.loads(line)

    def command(self, name):
        self.process.stdin.write(name + '\n')
        self.process.stdin.flush()
        return self._answer()

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def count(log, n):
    """Requests of one case by kind.

    listing: GETs of the three provider listings, per listing; per_allocation_get: GETs of one allocation or one order
    (what a listing should have answered); other_get: any other GET (an offering's components, say).
    """
    methods = collections.Counter(method for method, _path, _query in log)
    listing = collections.Counter()
    per_allocation = other = 0
    for method, path, _query in log:
        if method != 'GET':
            continue
        tail = path.split('/api/', 1)[-1]
        if tail in LISTINGS:
            listing[tail.split('-', 1)[1].rstrip('/')] += 1
        elif tail.startswith(('marketplace-provider-resources/', 'marketplace-orders/')):
            per_allocation += 1
        else:
            other += 1
    return {'GET': methods['GET'], 'POST': methods['POST'], 'writes': sum(methods[m] for m in WRITE_METHODS), 'total': len(log),
            'per_allocation': len(log) / float(n), 'listing': dict(listing), 'per_allocation_get': per_allocation, 'other_get': other}


class Bench(object):
    def __init__(self, n, waiting, naive_sample, workdir, latency_ms=0.0, parallel=1):
        self.n = n
        self.parallel = parallel
        self.waiting = waiting
        self.workdir = workdir
        self.emu = Emulator(n, waiting, latency_ms)
        self.collections = source_collections_path()
        self.connection = {'puhuri_api_url': self.emu.url, 'puhuri_api_token': self.emu.token, 'puhuri_provider_uuid': site.PROVIDER_UUID,
                           'puhuri_parallel': parallel}
        self.allocations = site.declared(n)
        self.usage_rows = site.usage(n)
        self.usage_csv = os.path.join(workdir, 'usage.csv')
        with open(self.usage_csv, 'w') as handle:
            handle.write(site.usage_csv(n))
        self.sample = sample_indexes(n, waiting, naive_sample) if naive_sample and naive_sample < n else list(range(n))
        self.ansible_start = 0.0
        self.inventory = os.path.join(workdir, 'inventory')
        with open(self.inventory, 'w') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)

    def write(self, name, data):
        path = os.path.join(self.workdir, name)
        with open(path, 'w') as handle:
            json.dump(data, handle)
        return path

    def ansible_env(self):
        return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
                    ANSIBLE_HOST_KEY_CHECKING='false', ANSIBLE_RETRY_FILES_ENABLED='false', ANSIBLE_NOCOLOR='1',
                    ANSIBLE_HOME=os.path.join(self.workdir, 'ansible-home'), ANSIBLE_LOCAL_TEMP=os.path.join(self.workdir, 'tmp'),
                    PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))

    def playbook(self, path, extravars_file):
        return measure.run(['ansible-playbook', '-i', self.inventory, path, '-e', '@' + extravars_file], env=self.ansible_env(), cwd=REPO)

    # ------------------------------------------------------------ the three clients

    def roles(self, declarations_in_file=True):
        """The playbooks as README's Performance section recommends for a large site: the declarations in
        puhuri_allocations_file, the usage in puhuri_usage_file (both read by the module); with
        declarations_in_file=False the declarations are the variable puhuri_allocations (extra vars)."""
        declared = ({'puhuri_allocations_file': self.write('allocations.json', self.allocations)} if declarations_in_file
                    else {'puhuri_allocations': self.allocations})
        provision = self.write('roles-provision.json', dict(self.connection, **declared))
        usage = self.write('roles-usage.json', dict(self.connection, puhuri_usage_file=self.usage_csv))
        return self.four_cases(lambda: self.playbook(os.path.join(REPO, 'playbooks', 'provision.yml'), provision),
                               lambda: self.playbook(os.path.join(REPO, 'playbooks', 'report_usage.yml'), usage))

    def rolesvars(self):
        return self.roles(declarations_in_file=False)

    def floor(self, parallel=1):
        provision = self.write('floor-provision.json', self.allocations)
        usage = self.usage_csv

        def script(work, path):
            return measure.run([sys.executable, os.path.join(HERE, 'baseline_floor.py'), work, '--api-url', self.emu.url, '--token',
                                self.emu.token, '--provider-uuid', site.PROVIDER_UUID, '--input', path, '--parallel', str(parallel)])
        return self.four_cases(lambda: script('provision', provision), lambda: script('usage', usage))

    def cfloor(self):
        return self.floor(self.parallel)

    def naive(self):
        chosen = set(site.allocation_uuid(i) for i in self.sample)
        amounts = collections.OrderedDict()
        for row in self.usage_rows:
            amounts.setdefault(row['backend_id'], {})[row['component']] = row['amount']
        usages = [{'resource_uuid': site.allocation_uuid(i), 'usages': amounts[site.backend_id(i)]} for i in self.sample]
        provision = self.write('naive-provision.json', dict(self.connection, bench_allocations=[a for a in self.allocations if a['uuid'] in chosen]))
        usage = self.write('naive-usage.json', dict(self.connection, bench_usages=usages))
        return self.four_cases(lambda: self.playbook(os.path.join(HERE, 'naive_provision.yml'), provision),
                               lambda: self.playbook(os.path.join(HERE, 'naive_usage.yml'), usage),
                               scale=self.n / float(len(self.sample)))

    def four_cases(self, provision, usage, scale=1.0):
        """Run the four cases from a fresh site; per case: the Measurement and the request counts (scaled)."""
        self.emu.command('reset')
        results = collections.OrderedDict()
        for case, run in zip(CASES, (provision, provision, usage, usage)):
            result = run()
            log = self.emu.command('take')
            if result.rc != 0:
                raise SystemExit('%s failed (exit %s):\n%s\n%s' % (case, result.rc, result.stdout[-3000:], result.stderr[-3000:]))
            counts = count(log, self.n)
            if scale != 1.0:
                for key in ('GET', 'POST', 'writes', 'total', 'per_allocation', 'per_allocation_get', 'other_get'):
                    counts[key] = counts[key] * scale
                counts['listing'] = dict((name, pages * scale) for name, pages in counts['listing'].items())
                # The playbook's start-up is paid once, whatever N: scale only the time spent on the allocations.
                result.wall = self.ansible_start + (result.wall - self.ansible_start) * scale
            results[case] = (result, counts)
        return results

    def startup(self):
        """The fixed cost of each kind of client: ansible-playbook with one module task (ping), Python importing requests."""
        play = os.path.join(self.workdir, 'ping.yml')
        with open(play, 'w') as handle:
            handle.write('- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n')
        ansible = self.playbook(play, self.write('empty.json', {}))
        python = measure.run([sys.executable, '-c', 'import requests'])
        for result in (ansible, python):
            if result.rc != 0:
                raise SystemExit('start-up reference failed (exit %s): %s' % (result.rc, result.stderr[-2000:]))
        self.ansible_start = ansible.wall
        return ansible, python

    def close(self):
        self.emu.close()


def best_of(runs):
    """Per case: the fastest run (the others met more noise from the machine), with the highest memory peaks of all."""
    best = collections.OrderedDict()
    for case in CASES:
        fastest, counts = min((one[case] for one in runs), key=lambda pair: pair[0].wall)
        for attribute in ('peak_rss_mb', 'peak_pss_mb', 'peak_single_mb'):
            setattr(fastest, attribute, max(getattr(one[case][0], attribute) for one in runs))
        best[case] = (fastest, counts)
    return best


def sample_indexes(n, waiting, k):
    """K allocations with the site's share of waiting ones, spread over the site."""
    pending = sorted(site.waiting_indexes(n, waiting))
    settled = [i for i in range(n) if i not in set(pending)]
    take_pending = int(round(k * waiting / float(n)))
    return sorted(_spread(pending, take_pending) + _spread(settled, k - take_pending))


def _spread(items, count):
    return [items[j * len(items) // count] for j in range(count)]


def fmt(number, digits=0):
    return ('%.' + str(digits) + 'f') % number


def table(results, naive_label, ansible_start):
    """One Markdown row per case and client; ratios against (a), (c) and (b) when those ran."""
    floor, cfloor, naive = results.get('(a) floor'), results.get('(c) concurrent floor'), results.get('(b) naive')
    lines = ['| case | client | wall s | beyond start-up s | GET | of which listing pages | per-allocation GET | other GET | POST |'
             ' requests / allocation | peak RSS MB (tree) | peak PSS MB (tree) | largest process MB | time / (a) | time / (c) |'
             ' (b) / time |', '|' + ' --- |' * 16]
    for case in CASES:
        for client, runs in results.items():
            result, counts = runs[case]
            listing = ' + '.join('%s %s' % (name, fmt(pages)) for name, pages in sorted(counts['listing'].items())) or '0'
            lines.append('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
                case, client + (' (%s)' % naive_label if client == '(b) naive' and naive_label else ''), fmt(result.wall, 2),
                fmt(result.wall - ansible_start, 2) if client in ('roles', ROLES_VARS, '(b) naive') else '-', fmt(counts['GET']), listing,
                fmt(counts['per_allocation_get']), fmt(counts['other_get']), fmt(counts['POST']),
                fmt(counts['per_allocation'], 3), fmt(result.peak_rss_mb), fmt(result.peak_pss_mb), fmt(result.peak_single_mb),
                fmt(result.wall / floor[case][0].wall, 2) if floor else '-', fmt(result.wall / cfloor[case][0].wall, 2) if cfloor else '-',
                fmt(naive[case][0].wall / result.wall, 1) if naive else '-'))
    return '\n'.join(lines)


def one_site(args, n, latency_ms):
    """Every client on a site of n allocations behind latency_ms: the Markdown heading, notes and table."""
    waiting = int(round(n * args.waiting))
    workdir = tempfile.mkdtemp(prefix='puhuri-bench-')
    bench = Bench(n, waiting, args.naive_sample, workdir, latency_ms, args.parallel)
    try:
        ansible_start, python_start = bench.startup()
        results = collections.OrderedDict()
        clients = args.clients.split(',')
        for name, label in (('roles', 'roles'), ('rolesvars', ROLES_VARS), ('floor', '(a) floor'), ('cfloor', '(c) concurrent floor'),
                            ('naive', '(b) naive')):
            if name in clients:
                print('N=%d: running %s ...' % (n, label), file=sys.stderr)
                results[label] = best_of([getattr(bench, name)() for _repeat in range(args.repeat)])
    finally:
        bench.close()
        shutil.rmtree(workdir, ignore_errors=True)
    sampled = len(bench.sample) < n
    heading = '## N = %d allocations (%d waiting), page size %d, emulator latency %g ms, parallel %d, best of %d' % (
        n, waiting, site.PAGE_SIZE, latency_ms, args.parallel, args.repeat)
    text = [heading, '',
            'Start-up alone: ansible-playbook with one ping task %.2f s (peak RSS %.0f MB, PSS %.0f MB); '
            'python -c "import requests" %.2f s.' % (ansible_start.wall, ansible_start.peak_rss_mb, ansible_start.peak_pss_mb, python_start.wall),
            'Expected at the floor: provision %d+%d GET, %d writes; again %d GET, 0 writes; usage %d+1 GET, %d writes; '
            'again %d+%d GET, 0 writes.' % (site.pages(n), site.pages(waiting), 4 * waiting, site.pages(n), site.pages(n), n,
                                            site.pages(n), site.pages(3 * n))]
    if sampled:
        text.append('(b) ran on %d of the %d allocations, the same share waiting; its request counts are scaled x%.1f and its '
                    'time is start-up + (time - start-up) x%.1f (extrapolated).'
                    % (len(bench.sample), n, n / float(len(bench.sample)), n / float(len(bench.sample))))
    text.append('')
    text.extend([table(results, 'extrapolated' if sampled else '', ansible_start.wall), ''])
    return '\n'.join(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Benchmark of issue #7 (see the module docstring).')
    parser.add_argument('--n', type=int, action='append', help='allocations on the site (repeatable; default 1000)')
    parser.add_argument('--waiting', type=float, default=0.1, help='share of the allocations waiting for the provider (default 0.1)')
    parser.add_argument('--naive-sample', type=int, default=0, metavar='K',
                        help='run the naive playbook on K allocations and extrapolate to N (default: all N)')
    parser.add_argument('--clients', default='roles,floor,cfloor,naive',
                        help='comma list of roles, rolesvars, floor, cfloor, naive')
    parser.add_argument('--latency-ms', type=float, action='append',
                        help='the emulator answers every API call this much later, like a portal across a network '
                             '(repeatable, a table each; default 0)')
    parser.add_argument('--parallel', type=int, default=8, metavar='P',
                        help='puhuri_parallel of the roles and the threads of (c) the concurrent floor (default 8)')
    parser.add_argument('--repeat', type=int, default=1, metavar='R',
                        help='run each client R times from a fresh site; per case the shortest time and the highest memory count')
    parser.add_argument('--markdown', help='also append the tables to this file')
    args = parser.parse_args(argv)
    output = []
    for n in args.n or [1000]:
        for latency_ms in args.latency_ms or [0.0]:
            output.append(one_site(args, n, latency_ms))
            print(output[-1])
            sys.stdout.flush()
    if args.markdown:
        with open(args.markdown, 'a') as handle:
            handle.write('\n'.join(output) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
