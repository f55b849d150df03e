# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of puhuri_resource_info: check the filters, read the allocations (and teams), exit the module.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._allocations import (
    list_allocations, read_allocation, server_states, with_open_orders, with_teams,
)
from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriApiError, client_from_module, fail_api
from ansible_collections.puhuri.core.plugins.module_utils._connection import uuid_problem
from ansible_collections.puhuri.core.plugins.module_utils._parallel import parallel_problem
from ansible_collections.puhuri.core.plugins.module_utils._team import TEAM_RESOURCE_FIELDS

UUID_FILTERS = ['provider_uuid', 'offering_uuid', 'project_uuid', 'customer_uuid']
# What stands in for each report body unless include_report_bodies: the headers stay, the access details do not.
REPORT_BODY_MARKER = '(hidden; set include_report_bodies to return it)'


def without_report_bodies(resources):
    """The allocations with every report body replaced by REPORT_BODY_MARKER (headers kept, so a report is seen)."""
    for resource in resources:
        report = resource.get('report')
        if isinstance(report, list):
            resource['report'] = [dict(item, body=REPORT_BODY_MARKER) if isinstance(item, dict) and 'body' in item
                                  else item for item in report]
    return resources


def run_module(module):
    """The whole task for the module's parameters."""
    params = module.params
    states, state_problem = server_states(params['state'])
    team_states, team_states_problem = server_states(params['team_states'], 'team_states')
    problems = [p for p in [uuid_problem(name, params[name]) for name in ['uuid'] + UUID_FILTERS] if p]
    problems.extend(p for p in [state_problem, team_states_problem, parallel_problem(params['parallel'])] if p)
    if problems:
        module.fail_json(msg='; '.join(problems))

    client = client_from_module(module)
    with_team = 'team' in params['include']
    fields = params['fields'] or []
    if fields and with_team:
        fields = fields + [name for name in TEAM_RESOURCE_FIELDS if name not in fields]
    if fields and 'orders' in params['include'] and 'uuid' not in fields:
        fields = fields + ['uuid']
    try:
        if params['uuid']:
            try:
                resource = read_allocation(client, params['uuid'], fields)
            except PuhuriApiError as error:
                if error.status == 404:
                    module.fail_json(msg='allocation %s was not found, or this token cannot see it (%s)'
                                     % (params['uuid'], error), status=404)
                raise
            resources = [resource]
        else:
            filters = dict((name, params[name]) for name in UUID_FILTERS + ['backend_id', 'name'])
            filters['state'] = states
            resources = list_allocations(client, filters, fields, params['parallel'])
        if not params['include_report_bodies']:
            resources = without_report_bodies(resources)
        result = dict(changed=False, resources=resources, count=len(resources))
        if 'orders' in params['include']:
            if params['uuid']:
                order_filters = {'resource_uuid': params['uuid']}
            else:
                order_filters = dict((name, params[name]) for name in ('provider_uuid', 'offering_uuid') if params[name])
            with_open_orders(client, resources, order_filters, parallel=params['parallel'])
        if with_team:
            result['members'] = with_teams(client, resources, team_states, params['parallel'])
    except PuhuriApiError as error:
        fail_api(module, error)
    module.exit_json(**result)
