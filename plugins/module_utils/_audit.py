# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The site audit: one read-only pass over a provider's allocations, open orders and this month's usage.

read_site() does the reading (a handful of listings; one team read per OK allocation only when asked for),
findings() computes the findings from what was read without any HTTP, so it can be tested on plain data.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from decimal import Decimal, InvalidOperation

from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, client_from_module, fail_api, uuid_problem,
)
from ansible_collections.puhuri.core.plugins.module_utils._orders import STUCK_STATES, ServerClock, parse_duration, read_orders

RESOURCES_PATH = 'marketplace-provider-resources/'
USAGES_PATH = 'marketplace-component-usages/'
RESOURCE_FIELDS = ['uuid', 'name', 'state', 'backend_id', 'offering_uuid', 'offering_name', 'offering_type', 'project_name',
                   'customer_name', 'error_message', 'created']
USAGE_FIELDS = ['resource_uuid', 'type', 'usage']

# (key, title, what it means, columns): the order of the sections in the Markdown and HTML reports.
SECTIONS = [
    ('ok_without_backend_id', 'OK allocations without a backend_id',
     'Active allocations not linked to a local account: their users cannot be given access or billed.',
     ['name', 'uuid', 'offering_name', 'project_name']),
    ('duplicate_backend_ids', 'Duplicate backend_ids',
     'One local account linked to more than one allocation that is not Terminated: usage of one lands on the other.',
     ['backend_id', 'allocations']),
    ('erred', 'Erred allocations',
     'Allocations in state Erred, with the message the server holds.',
     ['name', 'uuid', 'offering_name', 'error_message']),
    ('stuck_orders', 'Stuck orders',
     'Orders that have waited for the provider (pending-provider or executing) longer than the threshold.',
     ['resource_name', 'type', 'state', 'age', 'created', 'order_uuid']),
    ('ok_without_usage', 'OK allocations without usage this month',
     'Active allocations for which no usage has been reported in the current billing month.',
     ['name', 'uuid', 'backend_id', 'offering_name']),
    ('usage_not_ok', 'Usage reported for allocations that are not OK',
     'Usage rows of the current month for allocations in another state than OK.',
     ['name', 'uuid', 'state', 'usage']),
    ('team_changes', 'Teams changed since the last run',
     'Users added to or removed from the team of an OK allocation, or whose role changed, compared with the last run.',
     ['name', 'uuid', 'added', 'removed', 'role_changed']),
    ('accounts_without_allocation', 'Local accounts without an allocation',
     'Accounts from the local accounts list that are no backend_id of any allocation that is not Terminated.',
     ['account']),
]


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _plain(number):
    """A Decimal as a short JSON-friendly string: 13 -> '13', 2.50 -> '2.5'."""
    text = format(number.normalize(), 'f')
    return text


def read_site(client, clock, params, stuck_seconds):
    """Everything the audit needs, read with: the allocation listing, the open orders listing, one usage listing per
    offering (the current billing month, by the server's clock), and with include_teams one team read per OK
    allocation."""
    filters = [(name, params[name]) for name in ('provider_uuid', 'offering_uuid') if params.get(name)]
    resources = client.list(RESOURCES_PATH, params=filters, fields=RESOURCE_FIELDS)
    order_params = dict(provider_uuid=params.get('provider_uuid'), offering_uuid=params.get('offering_uuid'),
                        state=STUCK_STATES, older_than=stuck_seconds)
    orders, now = read_orders(client, clock, order_params)
    moment = clock.now()[0]
    period = '%04d-%02d-01' % (moment.year, moment.month)
    offerings = []
    for resource in resources:
        if resource['offering_uuid'] not in [o['uuid'] for o in offerings]:
            offerings.append({'uuid': resource['offering_uuid'], 'name': resource.get('offering_name')})
    usages = []
    for offering in offerings:
        usages.extend(client.list(USAGES_PATH, params=[('offering_uuid', offering['uuid']), ('billing_period', period)],
                                  fields=USAGE_FIELDS))
    teams = None
    if params.get('include_teams'):
        teams = {}
        for resource in resources:
            if resource['state'] == 'OK':
                members = client.list('%s%s/team/' % (RESOURCES_PATH, resource['uuid']))
                teams[resource['uuid']] = sorted(({'username': m['username'], 'role': m.get('role')} for m in members),
                                                 key=lambda m: m['username'])
    return {'resources': resources, 'orders': orders, 'usages': usages, 'offerings': offerings, 'teams': teams,
            'now': now['now'], 'now_source': now['now_source'], 'period': period[:7]}


def _team_changes(resources, teams, previous_teams):
    changes = []
    for resource in resources:
        uuid = resource['uuid']
        if uuid not in teams or uuid not in previous_teams:
            continue
        now = dict((m['username'], m.get('role')) for m in teams[uuid])
        before = dict((m['username'], m.get('role')) for m in previous_teams[uuid] or [] if isinstance(m, dict) and 'username' in m)
        added = sorted(set(now) - set(before))
        removed = sorted(set(before) - set(now))
        role_changed = [{'username': name, 'before': before[name], 'after': now[name]}
                        for name in sorted(set(now) & set(before)) if now[name] != before[name]]
        if added or removed or role_changed:
            changes.append({'uuid': uuid, 'name': resource['name'], 'added': added, 'removed': removed,
                            'role_changed': role_changed})
    return changes


def findings(site, local_accounts=None, previous=None):
    """The audit report (a JSON-friendly dict) from what read_site() read; no HTTP."""
    resources, usages = site['resources'], site['usages']
    by_uuid = dict((r['uuid'], r) for r in resources)
    live = [r for r in resources if r['state'] != 'Terminated']
    found = dict((key, []) for key, _title, _text, _columns in SECTIONS)

    found['ok_without_backend_id'] = [
        {'uuid': r['uuid'], 'name': r['name'], 'offering_name': r.get('offering_name'), 'project_name': r.get('project_name')}
        for r in resources if r['state'] == 'OK' and not (r.get('backend_id') or '').strip()]

    holders = {}
    for resource in live:
        backend_id = (resource.get('backend_id') or '').strip()
        if backend_id:
            holders.setdefault(backend_id, []).append(resource)
    found['duplicate_backend_ids'] = [
        {'backend_id': backend_id, 'allocations': [{'uuid': r['uuid'], 'name': r['name'], 'state': r['state']} for r in holders[backend_id]]}
        for backend_id in sorted(holders) if len(holders[backend_id]) > 1]

    found['erred'] = [{'uuid': r['uuid'], 'name': r['name'], 'offering_name': r.get('offering_name'),
                       'error_message': r.get('error_message') or ''} for r in resources if r['state'] == 'Erred']

    found['stuck_orders'] = [
        {'order_uuid': o['uuid'], 'type': o['type'], 'state': o['state'], 'resource_uuid': o.get('marketplace_resource_uuid'),
         'resource_name': o.get('resource_name'), 'offering_name': o.get('offering_name'), 'created': o.get('created'),
         'age': o.get('age'), 'age_seconds': o.get('age_seconds')} for o in site['orders']]

    reported = {}
    for row in usages:
        reported.setdefault(row['resource_uuid'], {})[row['type']] = _plain(_decimal(row['usage']))
    found['ok_without_usage'] = [
        {'uuid': r['uuid'], 'name': r['name'], 'backend_id': r.get('backend_id') or '', 'offering_name': r.get('offering_name')}
        for r in resources if r['state'] == 'OK' and r['uuid'] not in reported]
    found['usage_not_ok'] = [
        {'uuid': uuid, 'name': by_uuid[uuid]['name'] if uuid in by_uuid else None,
         'state': by_uuid[uuid]['state'] if uuid in by_uuid else 'not listed', 'usage': reported[uuid]}
        for uuid in sorted(reported, key=lambda u: (by_uuid.get(u, {}).get('name') or '', u))
        if by_uuid.get(uuid, {}).get('state') != 'OK']

    checks = {}
    teams = site.get('teams')
    previous_teams = (previous or {}).get('teams') if isinstance(previous, dict) else None
    if teams is None:
        checks['team_changes'] = 'not checked: teams were not read (include_teams is off)'
    elif not isinstance(previous_teams, dict):
        checks['team_changes'] = 'not checked: no teams from a previous run to compare with'
    else:
        checks['team_changes'] = 'compared with the previous run of %s' % previous.get('generated_at', 'unknown time')
        found['team_changes'] = _team_changes(resources, teams, previous_teams)
    if local_accounts is None:
        checks['accounts_without_allocation'] = 'not checked: no local accounts given'
    else:
        known = set((r.get('backend_id') or '').strip() for r in live)
        accounts = sorted(set(str(a).strip() for a in local_accounts if str(a).strip()))
        found['accounts_without_allocation'] = [{'account': a} for a in accounts if a not in known]
        checks['accounts_without_allocation'] = 'compared %d local account(s)' % len(accounts)

    by_state = {}
    for resource in resources:
        by_state[resource['state']] = by_state.get(resource['state'], 0) + 1
    report = {
        'generated_at': site['now'], 'clock': site['now_source'], 'period': site['period'],
        'summary': {'allocations': len(resources), 'by_state': by_state,
                    'findings': dict((key, len(found[key])) for key in found)},
        'findings': found,
        'checks': checks,
        'usage_by_offering': _usage_by_offering(site, reported),
    }
    if teams is not None:
        report['teams'] = teams
    return report


def _usage_by_offering(site, reported):
    """Per offering: this month's total per component, and how many OK allocations reported."""
    by_uuid = dict((r['uuid'], r) for r in site['resources'])
    out = []
    for offering in site['offerings']:
        totals = {}
        for row in site['usages']:
            resource = by_uuid.get(row['resource_uuid'])
            if resource is not None and resource['offering_uuid'] == offering['uuid']:
                totals[row['type']] = totals.get(row['type'], Decimal(0)) + _decimal(row['usage'])
        ok = [r for r in site['resources'] if r['offering_uuid'] == offering['uuid'] and r['state'] == 'OK']
        out.append({'offering_uuid': offering['uuid'], 'offering_name': offering['name'],
                    'components': [{'type': t, 'total': _plain(totals[t])} for t in sorted(totals)],
                    'ok_allocations': len(ok), 'ok_allocations_reporting': len([r for r in ok if r['uuid'] in reported])})
    return out


def _cell(value):
    if isinstance(value, list):
        return ', '.join(_cell(item) for item in value)
    if isinstance(value, dict):
        if 'username' in value and 'before' in value:
            return '%s: %s -> %s' % (value['username'], value['before'], value['after'])
        if 'name' in value and 'state' in value:
            return '%s (%s)' % (value['name'], value['state'])
        return ', '.join('%s=%s' % (k, value[k]) for k in sorted(value))
    return '' if value is None else str(value)


def sections(report):
    """The findings as display tables (title, description, columns, rows of strings), for the Markdown/HTML reports."""
    out = []
    for key, title, text, columns in SECTIONS:
        rows = [[_cell(item.get(column)) for column in columns] for item in report['findings'][key]]
        out.append({'key': key, 'title': title, 'description': text, 'columns': columns, 'rows': rows,
                    'note': report['checks'].get(key)})
    return out


def run_audit(module):
    """puhuri_audit_info: read the site, compute the findings; never writes."""
    params = module.params
    problems = [p for p in [uuid_problem(name, params[name]) for name in ('provider_uuid', 'offering_uuid')] if p]
    stuck_seconds, problem = parse_duration(params['stuck_after'], 'stuck_after')
    problems.extend(p for p in [problem] if p)
    if problems:
        module.fail_json(msg='; '.join(problems))
    client = client_from_module(module)
    clock = ServerClock(client)
    try:
        site = read_site(client, clock, params, stuck_seconds)
    except PuhuriApiError as error:
        fail_api(module, error)
    report = findings(site, params['local_accounts'], params['previous'])
    module.exit_json(changed=False, report=report, sections=sections(report), requests=client.request_count)
