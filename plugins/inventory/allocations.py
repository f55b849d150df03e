# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
name: allocations
short_description: The allocations of a Puhuri Core service provider as inventory hosts
version_added: 0.1.0
description:
  - Reads the allocations (marketplace resources) of the offerings your provider organisation owns, with one
    paginated listing of C(/api/marketplace-provider-resources/), and makes each one an inventory host.
  - The host name is the allocation's UUID by default. It never changes, so C(host_vars/<uuid>.yml) keeps applying to
    the same allocation whatever the provider or the consumer does. The allocation's name and backend ID are the host
    variables C(puhuri_name) and C(puhuri_backend_id), and groups can be made from them with O(keyed_groups).
  - O(hostnames) can name hosts by other keys, tried in order; the first non-empty one not taken by another
    allocation is used, and the UUID last. Such names can change, C(backend_id) when the provider links the local
    account (the provision role does that), C(name) when the consumer renames the allocation, and a clash depends on
    the listing. A declaration in C(host_vars) for the old name then applies to nothing; the provision role reports
    such declarations (see its C(puhuri_unmatched_declarations)).
  - Each host is put in the groups C(state_<state>) (for example C(state_creating), C(state_ok)) and
    C(offering_<offering name>) (lower case, other characters than letters and digits replaced by C(_)), and in the
    groups from O(groups) and O(keyed_groups).
  - Each host gets C(ansible_connection=local) and the controller's Python as C(ansible_python_interpreter), so a
    play can target allocations (for example the group C(state_creating)) and run puhuri.core modules for each of them from the
    controller. Override them with O(compose) if you want otherwise.
  - The configuration file must be named C(puhuri.yml) or C(puhuri.yaml) or end with C(.puhuri.yml) /
    C(.puhuri.yaml).
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
  - puhuri.core.connection.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; makes Ansible use it for the file.
    type: str
    required: true
    choices: [puhuri.core.allocations]
  provider_uuid:
    description: Only allocations of the offerings of this provider organisation (customer UUID).
    type: str
  offering_uuid:
    description: Only allocations of this offering.
    type: str
  state:
    description:
      - Only allocations in these states (any case). By default every state but C(Terminated), which only grows.
    type: list
    elements: str
    default: [Creating, OK, Erred, Updating, Terminating]
  hostnames:
    description:
      - Allocation keys tried in order for the host name; the first non-empty one not taken by another allocation
        is used. C(uuid) is always the last resort.
      - The default, V([uuid]), is the only name that never changes; see the description for what other keys mean.
    type: list
    elements: str
    choices: [backend_id, name, uuid, slug]
    default: [uuid]
  include:
    description:
      - V(team) also reads the project team of each allocation in O(team_states) into the host variable
        C(puhuri_team). This costs one request per such allocation (the API has no bulk endpoint for teams);
        consider O(cache) with it. The cache then holds the members' names and e-mail addresses.
    type: list
    elements: str
    choices: [team]
    default: []
  team_states:
    description: With O(include=[team]), read the team only of allocations in these states (any case).
    type: list
    elements: str
    default: [OK]
notes:
  - Host variables, each prefixed C(puhuri_), from the allocation's keys C(uuid), C(name), C(slug), C(state),
    C(backend_id), C(limits), C(attributes), C(plan_name), C(project_uuid), C(project_name), C(customer_uuid),
    C(customer_name), C(offering_uuid), C(offering_name), C(offering_type), C(provider_uuid), C(created),
    C(modified), C(end_date), C(error_message), and C(puhuri_team) on request.
  - Reading the inventory never changes anything in Puhuri.
seealso:
  - module: puhuri.core.puhuri_resource_info
'''

EXAMPLES = r'''
# puhuri.yml: `ansible-inventory -i puhuri.yml --graph`
# (connection from PUHURI_API_URL / PUHURI_API_TOKEN)
plugin: puhuri.core.allocations
provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
keyed_groups:
  - key: puhuri_project_name
    prefix: project
compose:
  puhuri_cpu_limit: puhuri_limits.cpu_k_hours | default(0)

# Another puhuri.yml: only waiting allocations of one offering, with their teams, cached for 10 minutes
# plugin: puhuri.core.allocations
# offering_uuid: 589178d685345873968f291a0fe38482
# state: [creating, ok]
# include: [team]
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/puhuri-inventory
# cache_timeout: 600
'''

import re
import sys

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.puhuri.core.plugins.module_utils._allocations import list_allocations, server_states, with_teams
from ansible_collections.puhuri.core.plugins.module_utils._client import HAS_REQUESTS, PuhuriApiError
from ansible_collections.puhuri.core.plugins.module_utils._connection import (
    CONNECTION_OPTIONS, client_from_options, connection_problems, uuid_problem,
)

FIELDS = ['uuid', 'name', 'slug', 'state', 'backend_id', 'limits', 'attributes', 'plan_name', 'project_uuid',
          'project_name', 'customer_uuid', 'customer_name', 'offering_uuid', 'offering_name', 'offering_type',
          'provider_uuid', 'created', 'modified', 'end_date', 'error_message']
FILE_ENDINGS = ('puhuri.yml', 'puhuri.yaml')


def group_suffix(text):
    """'HPC Slurm (site agent)' -> 'hpc_slurm_site_agent'."""
    return re.sub(r'[^a-z0-9]+', '_', str(text or '').lower()).strip('_') or 'unnamed'


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'puhuri.core.allocations'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(FILE_ENDINGS)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        allocations = None
        if use_cache:
            try:
                allocations = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if allocations is None:
            allocations = self._read_allocations()
        if update_cache:
            self._cache[cache_key] = allocations
        self._populate(allocations)

    def _read_allocations(self):
        """The allocations from the API (one listing, plus one team read per allocation on request)."""
        options = dict((name, self.get_option(name)) for name in CONNECTION_OPTIONS)
        problems = connection_problems(options)
        problems.extend(p for p in [uuid_problem(name, self.get_option(name)) for name in ['provider_uuid', 'offering_uuid']] if p)
        states, state_problem = server_states(self.get_option('state'))
        team_states, team_states_problem = server_states(self.get_option('team_states'), 'team_states')
        problems.extend(p for p in [state_problem, team_states_problem] if p)
        if not HAS_REQUESTS:
            problems.append('the Python library requests is required on the controller')
        if problems:
            raise AnsibleParserError('puhuri.core.allocations: ' + '; '.join(problems))
        client = client_from_options(options, self.display.warning)
        filters = dict(provider_uuid=self.get_option('provider_uuid'), offering_uuid=self.get_option('offering_uuid'),
                       state=states)
        try:
            allocations = list_allocations(client, filters, FIELDS)
            if 'team' in self.get_option('include'):
                with_teams(client, allocations, team_states)
        except PuhuriApiError as error:
            raise AnsibleParserError('puhuri.core.allocations: %s' % error)
        return allocations

    def _host_name(self, allocation, taken):
        for key in self.get_option('hostnames') + ['uuid']:
            name = allocation.get(key)
            if name and name not in taken:
                return name
        return allocation['uuid']

    def _populate(self, allocations):
        strict = self.get_option('strict')
        taken = set()
        for allocation in allocations:
            host = self._host_name(allocation, taken)
            taken.add(host)
            self.inventory.add_host(host)
            for group in ['state_' + group_suffix(allocation.get('state')),
                          'offering_' + group_suffix(allocation.get('offering_name'))]:
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            host_vars = dict(('puhuri_' + key, value) for key, value in allocation.items())
            # Allocations are not machines: modules for them run on the controller, with its Python.
            host_vars.update(ansible_connection='local', ansible_python_interpreter=sys.executable)
            for key, value in host_vars.items():
                self.inventory.set_variable(host, key, value)
            self._set_composite_vars(self.get_option('compose'), host_vars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), host_vars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), host_vars, host, strict=strict)
