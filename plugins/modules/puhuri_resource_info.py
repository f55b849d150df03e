#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_resource_info
short_description: List the allocations (marketplace resources) of a Puhuri Core service provider
version_added: 0.1.0
description:
  - Lists the allocations of the offerings your provider organisation owns, through
    C(/api/marketplace-provider-resources/). (The consumer endpoint C(/api/marketplace-resources/) returns an
    empty list to a provider, so it is never used.)
  - Reads every page and returns all matching allocations, or fails; it never returns a partial list.
  - Reads only; never changes anything.
  - With O(include=[team]) it also reads the project team of each allocation in O(team_states) and returns the
    per-user view O(ignore:members). The API has no bulk endpoint for teams, so this costs one extra request per
    such allocation (for example 1,000 OK allocations take 1,000 extra GETs, about a few seconds against a local
    server and correspondingly longer over a WAN). It is off by default; narrow it with O(team_states) and the filters.
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
  - puhuri.core.provider_filters
  - puhuri.core.read_only
options:
  uuid:
    description:
      - Return just this allocation (its marketplace resource UUID). Fails if it does not exist or your token
        cannot see it. The list filters are not used with O(uuid).
    type: str
  project_uuid:
    description: Only allocations of this consumer project.
    type: str
  customer_uuid:
    description: Only allocations of this consumer organisation (the project's customer).
    type: str
  backend_id:
    description: Only the allocation with exactly this backend ID (your local account name).
    type: str
  name:
    description: Only allocations whose name contains this text (case-insensitive).
    type: str
  state:
    description:
      - Only allocations in these states, any of C(Creating), C(OK), C(Erred), C(Updating), C(Terminating),
        C(Terminated). Any case is accepted; the server's names are sent.
    type: list
    elements: str
  fields:
    description:
      - Return only these keys of each allocation (the server's C(field=) selection), for example
        C([uuid, name, state, backend_id]). Keeps large listings small. Unknown names are ignored by the server.
    type: list
    elements: str
  include:
    description:
      - Extra data to read for the allocations.
      - V(team) reads each allocation's project team (the users of its consumer project, with their role and their
        username for the offering) into its RV(resources[].team), and returns RV(members). One request per
        allocation in O(team_states).
      - With O(fields), the keys C(uuid), C(name), C(state) and C(backend_id) are added to the selection.
      - V(orders) adds RV(resources[].open_orders), the orders that wait for someone (C(pending-consumer),
        C(pending-provider), C(pending-project), C(executing), and C(pending-start-date) on Waldur 8.x), read with
        one listing of C(marketplace-orders/) narrowed by O(uuid), O(provider_uuid) or O(offering_uuid) (never from
        the allocation's nested copies, which Waldur 7.0.7 serves stale). With O(fields), C(uuid) is added.
    type: list
    elements: str
    choices: [team, orders]
    default: []
  team_states:
    description:
      - With O(include=[team]), read the team only of allocations in these states (any case, as for O(state)).
      - The default, active allocations only, is what a provider grants access for.
    type: list
    elements: str
    default: [OK]
  include_report_bodies:
    description:
      - Return the bodies of each allocation's access report (RV(resources[].report)) as the server holds them.
      - The bodies are secret (access details, passwords). By default each body is replaced by the marker
        C((hidden; set include_report_bodies to return it)) and the headers are kept, so C(-v) and job logs
        (AWX keeps them) never show them.
      - "With V(true), set C(no_log: true) on the task and on every task that prints the registered result. Ansible
        hides only values it knows to be secret, and a returned body is not one of them."
    type: bool
    default: false
  parallel:
    description:
      - With O(include=[team]), how many team reads are in flight at the same time, from 1 (one after the other)
        to 32. Each worker has its own HTTP session; a C(429) answer (C(Retry-After)) slows every worker.
      - Also how many pages of the listings (the allocations, and with O(include=[orders]) the open orders) are read
        at the same time, once the first page has told how many there are.
      - The same reads are sent whatever the value; the results are in the same order.
    type: int
    default: 4
notes:
  - A resource is C(Creating) from the moment its order exists, including while the order still waits for the
    provider (C(pending-provider)).
seealso:
  - module: puhuri.core.puhuri_resource_state
'''

EXAMPLES = r'''
- name: List the allocations waiting for us
  puhuri.core.puhuri_resource_info:
    api_url: https://puhuri.example.org/api/
    api_token: "{{ puhuri_token }}"
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    state: [creating]
    fields: [uuid, name, state, backend_id, project_name, offering_type]
  register: waiting

- name: One allocation, by UUID (connection from PUHURI_API_URL / PUHURI_API_TOKEN)
  puhuri.core.puhuri_resource_info:
    uuid: d1ef749f4116433ba14ff9268c6382cf
  register: one

- name: Who has access to our active allocations, and through which ones
  puhuri.core.puhuri_resource_info:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    state: [OK]
    fields: [uuid, name, state, backend_id]
    include: [team]
  register: active

- name: Show each user with their local accounts
  ansible.builtin.debug:
    msg: "{{ item.username }}: {{ item.allocations | map(attribute='backend_id') | join(', ') }}"
  loop: "{{ active.members }}"
  loop_control:
    label: "{{ item.username }}"
'''

RETURN = r'''
resources:
  description: The allocations, in the server's order (creation time, oldest first).
  returned: always
  type: list
  elements: dict
  sample:
    - uuid: d1ef749f4116433ba14ff9268c6382cf
      name: alloc-2
      state: Creating
      backend_id: ""
      offering_type: Marketplace.Slurm
      project_name: Consumer Project
      limits: {cpu_k_hours: 10, gpu_k_hours: 2}
  contains:
    report:
      description:
        - The access report submitted for the allocation, a list of C(header) and C(body).
        - Each C(body) is the marker C((hidden; set include_report_bodies to return it)) unless
          O(include_report_bodies=true).
      returned: when the server returns it (not narrowed away by O(fields))
      type: list
      elements: dict
      sample:
        - header: Access
          body: "(hidden; set include_report_bodies to return it)"
    team:
      description:
        - The allocation's project team, ordered by username (the server's C(team/) answer).
        - C(role) is C(admin), C(manager), C(member) or null (a custom role); C(offering_user_username) is the
          user's username for this offering, or null.
      returned: when O(include) has V(team) and the allocation's state is in O(team_states)
      type: list
      elements: dict
      sample:
        - username: project-member
          uuid: e9e57f50524058bfbe4b48b4544699d1
          full_name: Project Member
          email: project-member@example.com
          role: member
          expiration_time: null
          offering_user_username: null
    open_orders:
      description:
        - The allocation's open orders, oldest first. C(age_seconds) is counted from C(created) by this host's clock
          (null when C(created) cannot be read). An Update order also has C(limits) (the requested limits) and
          C(old_limits) (its C(attributes.old_limits), the limits when it was asked for).
      returned: when O(include) has V(orders)
      type: list
      elements: dict
      sample:
        - uuid: 2e39804bb6f84e39b4991153c8d88929
          type: Update
          state: pending-provider
          created: "2026-12-01T08:56:10.118331Z"
          age_seconds: 86400
          limits: {cpu_k_hours: 20, gpu_k_hours: 4}
          old_limits: {cpu_k_hours: 10, gpu_k_hours: 2}
count:
  description: The number of allocations in RV(resources).
  returned: always
  type: int
  sample: 1
members:
  description:
    - Every user in the team of at least one allocation whose team was read, sorted by username, with the allocations
      they are in (in the order of RV(resources)).
  returned: when O(include) has V(team)
  type: list
  elements: dict
  sample:
    - username: project-member
      uuid: e9e57f50524058bfbe4b48b4544699d1
      full_name: Project Member
      email: project-member@example.com
      allocations:
        - uuid: 4b287c3fc55c433c810ca459f73b94b3
          name: alloc-1
          backend_id: alloc_1
          role: member
          offering_user_username: null
'''

from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriModule, argument_spec
from ansible_collections.puhuri.core.plugins.module_utils._info_run import run_module


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            uuid=dict(type='str'),
            provider_uuid=dict(type='str'),
            offering_uuid=dict(type='str'),
            project_uuid=dict(type='str'),
            customer_uuid=dict(type='str'),
            backend_id=dict(type='str'),
            name=dict(type='str'),
            # The choices are validated case-insensitively below, so AnsibleModule must not check them.
            state=dict(type='list', elements='str'),
            fields=dict(type='list', elements='str'),
            include=dict(type='list', elements='str', choices=['team', 'orders'], default=[]),
            team_states=dict(type='list', elements='str', default=['OK']),
            include_report_bodies=dict(type='bool', default=False),
            parallel=dict(type='int', default=4),
        ),
        supports_check_mode=True,
    )
    run_module(module)


if __name__ == '__main__':
    main()
