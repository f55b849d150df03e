# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a provider's allocations, with their teams on request: the states users may name, and the reads.

Shared by the module puhuri_resource_info and the inventory plugin puhuri.core.allocations; imports nothing from
ansible.module_utils.basic. Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._team import members, read_teams

RESOURCE_STATES = ['Creating', 'OK', 'Erred', 'Updating', 'Terminating', 'Terminated']
RESOURCES = 'marketplace-provider-resources/'


def server_states(requested, option='state'):
    """(states, problem): states in any case mapped to the server's case-sensitive names; unknown names are a problem."""
    by_lower = dict((state.lower(), state) for state in RESOURCE_STATES)
    states, unknown = [], []
    for value in requested or []:
        state = by_lower.get(str(value).strip().lower())
        if state is None:
            unknown.append(value)
        elif state not in states:
            states.append(state)
    problem = None
    if unknown:
        problem = option + ' has unknown value(s) %s; allowed: %s (any case)' % (
            ', '.join(repr(v) for v in unknown), ', '.join(RESOURCE_STATES))
    return states, problem


def with_teams(client, allocations, team_states, parallel=1):
    """Adds `team` to each allocation in team_states (one read each, `parallel` at a time) and returns the members."""
    teams = read_teams(client, allocations, team_states, parallel)
    for allocation in allocations:
        if allocation['uuid'] in teams:
            allocation['team'] = teams[allocation['uuid']]
    return members(allocations, teams)


def list_allocations(client, filters, fields):
    """One paginated listing of the provider's allocations matching filters."""
    return client.list(RESOURCES, params=filters, fields=fields)


def read_allocation(client, uuid, fields):
    """One allocation's detail, narrowed to fields (all when empty)."""
    return client.get(RESOURCES + uuid + '/', params=[('field', f) for f in fields])
