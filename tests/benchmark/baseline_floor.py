# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Baseline (a) of the benchmark: the same work as the roles with the fewest requests a correct client can send.

Plain Python and requests, no Ansible. It is the floor the roles are measured against, not a product:
it handles what the benchmark declares (allocations that should be OK) and stops at the first error.

  python baseline_floor.py provision --api-url URL --token T --provider-uuid P --input allocations.json
  python baseline_floor.py usage --api-url URL --token T --provider-uuid P --input usage.csv
  ... [--parallel P]   the concurrent floor: P threads, each with its own session, each allocation's writes in order

Reads: the provider's resources in pages of 200 with only the fields compared; the open orders in one listing,
and only when some allocation is still Creating; this month's usage rows of the offerings concerned.
Writes: exactly the missing steps (approve → set_backend_id → submit_report → set_state_done) and one set_usage
per allocation whose totals differ. A second run sends no write.
"""

import argparse
import csv
import datetime
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests

PAGE_SIZE = 200


class Api(object):
    def __init__(self, url, token, parallel=1):
        self.url = url.rstrip('/') + '/'
        self.token = token
        self.parallel = parallel
        self.local = threading.local()  # one session per thread: a requests.Session is not thread-safe

    @property
    def session(self):
        if not hasattr(self.local, 'session'):
            self.local.session = requests.Session()
            self.local.session.headers.update({'Authorization': 'Token %s' % self.token, 'Accept': 'application/json'})
        return self.local.session

    def each(self, work, items):
        """work(item) for every item, on `parallel` threads (in this one when 1)."""
        if self.parallel <= 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(self.parallel) as pool:
            return list(pool.map(work, items))

    def list(self, path, params):
        """Every item, following Link rel="next"."""
        items = []
        response = self.session.get(self.url + path, params=list(params) + [('page_size', PAGE_SIZE)], timeout=60)
        while True:
            response.raise_for_status()
            items.extend(response.json())
            following = response.links.get('next')
            if not following:
                return items
            response = self.session.get(following['url'], timeout=60)

    def post(self, path, body=None):
        response = self.session.post(self.url + path, json=body, timeout=60)
        if response.status_code not in (200, 201):
            raise SystemExit('POST %s failed (HTTP %s): %s' % (path, response.status_code, response.text[:300]))


def resources(api, provider_uuid, fields):
    return api.list('marketplace-provider-resources/', [('provider_uuid', provider_uuid)] + [('field', f) for f in fields])


def provision(api, provider_uuid, allocations):
    current = dict((r['uuid'], r) for r in resources(api, provider_uuid, ('uuid', 'state', 'backend_id', 'report', 'offering_type')))
    orders = {}
    if any(current[a['uuid']]['state'] == 'Creating' for a in allocations):
        for order in api.list('marketplace-orders/', [('provider_uuid', provider_uuid), ('state', 'pending-provider'),
                                                      ('state', 'executing')]):
            orders[order['marketplace_resource_uuid']] = order
    plans = []
    for wanted in allocations:
        if wanted['state'] != 'ok':
            raise SystemExit('the floor script only declares allocations OK, got %r' % wanted['state'])
        have = current[wanted['uuid']]
        order = orders.get(wanted['uuid'])
        order_state = order['state'] if order else None
        steps = []
        if order_state == 'pending-provider':
            steps.append(('marketplace-orders/%s/approve_by_provider/' % order['uuid'], None))
            # A Basic order finishes on approval; a Slurm order stays executing until the provider finishes it.
            order_state = 'executing' if have['offering_type'] == 'Marketplace.Slurm' else 'done'
        if have['backend_id'] != wanted['backend_id']:
            steps.append(('marketplace-provider-resources/%s/set_backend_id/' % wanted['uuid'], {'backend_id': wanted['backend_id']}))
        if (have['report'] or []) != wanted['report']:
            steps.append(('marketplace-provider-resources/%s/submit_report/' % wanted['uuid'], {'report': wanted['report']}))
        if order_state == 'executing':
            steps.append(('marketplace-orders/%s/set_state_done/' % order['uuid'], None))
        if steps:
            plans.append(steps)

    def send(steps):
        for path, body in steps:
            api.post(path, body)
    api.each(send, plans)
    return sum(len(steps) for steps in plans)


def report_usage(api, provider_uuid, rows):
    by_backend_id = dict((r['backend_id'], r) for r in resources(api, provider_uuid, ('uuid', 'backend_id', 'state', 'offering_uuid')))
    wanted = {}
    for row in rows:
        resource = by_backend_id[row['backend_id']]
        wanted.setdefault(resource['uuid'], {})[row['component']] = Decimal(row['amount'])
    period = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-01')
    offerings = sorted(set(by_backend_id[row['backend_id']]['offering_uuid'] for row in rows))
    reported = {}
    for offering_uuid in offerings:
        # 7.0.7 shows every usage row to everyone: filter by offering and month, never read the whole table.
        for item in api.list('marketplace-component-usages/', [('offering_uuid', offering_uuid), ('billing_period', period),
                                                               ('field', 'resource_uuid'), ('field', 'type'), ('field', 'usage')]):
            reported.setdefault(item['resource_uuid'], {})[item['type']] = Decimal(item['usage'])
    bodies = []
    for resource_uuid, amounts in wanted.items():
        have = reported.get(resource_uuid, {})
        if all(have.get(component) == amount for component, amount in amounts.items()):
            continue
        bodies.append({'resource': resource_uuid,
                       'usages': [{'type': component, 'amount': '%.2f' % amount} for component, amount in sorted(amounts.items())]})
    api.each(lambda body: api.post('marketplace-component-usages/set_usage/', body), bodies)
    return len(bodies)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work', choices=('provision', 'usage'))
    parser.add_argument('--api-url', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--provider-uuid', required=True)
    parser.add_argument('--input', required=True,
                        help='allocations as a JSON list (provision) or usage rows as CSV backend_id,component,amount (usage)')
    parser.add_argument('--parallel', type=int, default=1, help='threads sending writes to different allocations (default 1)')
    args = parser.parse_args(argv)
    with open(args.input) as handle:
        data = json.load(handle) if args.work == 'provision' else list(csv.DictReader(handle))
    api = Api(args.api_url, args.token, args.parallel)
    if args.work == 'provision':
        writes = provision(api, args.provider_uuid, data)
    else:
        writes = report_usage(api, args.provider_uuid, data)
    print(json.dumps({'writes': writes}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
