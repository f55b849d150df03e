# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The project teams of allocations: reading them and the per-user view across allocations.

Shared by the module puhuri_resource_info and the inventory plugin puhuri.core.allocations.
Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._parallel import each

# The keys a team read needs from each allocation; added to a `field=` selection.
TEAM_RESOURCE_FIELDS = ['uuid', 'name', 'state', 'backend_id']
MEMBER_KEYS = ['username', 'uuid', 'full_name', 'email']
MEMBERSHIP_KEYS = ['role', 'offering_user_username']


def team_path(resource_uuid):
    return 'marketplace-provider-resources/%s/team/' % resource_uuid


def read_teams(client, resources, states, parallel=1):
    """{allocation uuid: its team} for each allocation whose state is in states; `parallel` reads at the same time.

    The API has no bulk endpoint for teams, so this costs one GET per allocation read (7.0.7 does not paginate the
    team; 8.x may, and client.list follows Link either way).
    """
    uuids = [resource['uuid'] for resource in resources if resource.get('state') in states]
    return dict(zip(uuids, each(client, uuids, lambda worker, uuid: worker.list(team_path(uuid)), parallel)))


def members(resources, teams):
    """Every user in at least one of the teams, sorted by username, each with the allocations they are in."""
    by_username = {}
    for resource in resources:
        for user in teams.get(resource['uuid'], []):
            member = by_username.setdefault(user['username'], dict((key, user.get(key)) for key in MEMBER_KEYS))
            member.setdefault('allocations', []).append(dict(
                uuid=resource['uuid'], name=resource.get('name'), backend_id=resource.get('backend_id'),
                **dict((key, user.get(key)) for key in MEMBERSHIP_KEYS)))
    return [by_username[name] for name in sorted(by_username)]
