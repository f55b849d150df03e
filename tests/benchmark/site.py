# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark site: a provider with exactly N allocations of the Slurm offering, a tenth of them waiting.

The emulator's seed resources are removed first, so every provider listing holds exactly N items and the expected
request counts are plain arithmetic (ceil(N / 200) pages). The declared state (what the inventory says) and the
usage report are built here too, so the roles, the floor script and the naive playbook all get the same input.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

PROVIDER_UUID = '9fc511a42dda5ab5beae89e750ad1483'
SLURM_OFFERING_UUID = '589178d685345873968f291a0fe38482'
COMPONENTS = ('cpu_k_hours', 'gpu_k_hours', 'gb_k_hours')
PAGE_SIZE = 200
# A waiting Slurm allocation needs approve_by_provider, set_backend_id, submit_report and set_state_done.
WRITES_PER_WAITING = 4
CREATED = datetime.datetime(2026, 11, 28, 23, 0, 0, tzinfo=datetime.timezone.utc)


def allocation_uuid(index):
    return 'be7c%028x' % index


def backend_id(index):
    return 'acct-%05d' % index


def report(index):
    return [{'header': 'Access', 'body': 'ssh %s@login.hpc.example.org' % backend_id(index)}]


def waiting_indexes(n, waiting):
    """Which allocations wait for the provider: spread evenly over the creation order, not bunched on one page."""
    if not 0 <= waiting <= n:
        raise ValueError('waiting must be between 0 and n (%d), got %d' % (n, waiting))
    return set(i * n // waiting for i in range(waiting)) if waiting else set()


def build(store, n, waiting):
    """Replace the seed's resources in an emulator `store` by the benchmark site."""
    for resource_uuid in list(store.resources):
        for order in store.orders_by_resource.pop(resource_uuid, []):
            store.orders.pop(order.uuid, None)
        store.usages_by_resource.pop(resource_uuid, None)
        del store.resources[resource_uuid]
    store.usages.clear()
    offering = store.offerings[SLURM_OFFERING_UUID]
    project = list(store.projects.values())[0]
    consumer = store.user_by_username('consumer-owner').uuid
    owner = store.user_by_username('sp-owner').uuid
    pending = waiting_indexes(n, waiting)
    for index in range(n):
        created = CREATED + datetime.timedelta(milliseconds=index)
        name = 'bench-%05d' % index
        values = {'uuid': allocation_uuid(index), 'name': name, 'offering_uuid': offering.uuid, 'plan_uuid': offering.plans[0].uuid,
                  'project_uuid': project.uuid, 'limits': {'cpu_k_hours': 100, 'gpu_k_hours': 10}, 'attributes': {'name': name},
                  'created': created}
        if index in pending:
            values['state'] = 'Creating'
        else:
            values.update(state='OK', backend_id=backend_id(index), report=report(index))
        resource = store.add_resource(**values)
        if index in pending:
            store.add_order(resource, state='pending-provider', created=created, created_by_uuid=consumer)
        else:
            store.add_order(resource, state='done', created=created, created_by_uuid=consumer, provider_reviewed_at=created,
                            provider_reviewed_by_uuid=owner, completed_at=created)


def declared(n):
    """The inventory's view: every allocation OK, with its local account and access details."""
    return [{'uuid': allocation_uuid(i), 'state': 'ok', 'backend_id': backend_id(i), 'report': report(i)} for i in range(n)]


def usage(n):
    """This month's totals per account (rows of backend_id, component, amount), as a site's accounting exports them."""
    rows = []
    for i in range(n):
        for number, component in enumerate(COMPONENTS):
            rows.append({'backend_id': backend_id(i), 'component': component, 'amount': '%d.%02d' % (i % 97 + number + 1, i % 100)})
    return rows


def usage_csv(n):
    """The same rows as a CSV export (header line backend_id,component,amount)."""
    return 'backend_id,component,amount\n' + ''.join('%(backend_id)s,%(component)s,%(amount)s\n' % row for row in usage(n))


def expected_writes(n, waiting):
    """Writes each case must send, at the floor."""
    return {'provision': WRITES_PER_WAITING * waiting, 'provision again': 0, 'usage': n, 'usage again': 0}


def pages(count):
    return max(1, -(-count // PAGE_SIZE))
