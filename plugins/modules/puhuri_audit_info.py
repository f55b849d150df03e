#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_audit_info
short_description: Audit a Puhuri Core provider's site in one read-only pass
version_added: 0.2.0
description:
  - Reads the provider's allocations, its open orders and this month's usage, and reports what needs a person's
    attention, as findings C(ok_without_backend_id) (OK allocations without a C(backend_id)),
    C(duplicate_backend_ids) (one C(backend_id) on several allocations that are not Terminated), C(erred) (Erred
    allocations and their messages), C(stuck_orders) (orders waiting in C(pending-provider) or C(executing) longer
    than O(stuck_after)), C(ok_without_usage) (OK allocations without usage reported this month),
    C(usage_not_ok) (usage reported this month for allocations that are not OK), C(team_changes) (with
    O(include_teams) and O(previous)) and C(accounts_without_allocation) (with O(local_accounts)).
  - "Its cost is a handful of listings: the allocations (one request per 200), the open orders, and this month's
    usage of each offering seen (one request per 200 rows each). Only O(include_teams) reads per allocation: one
    team request per OK allocation."
  - The month and the ages are the server's (its C(Date) header), not the controller's.
  - Reads only; never changes anything. The role puhuri.core.audit writes the report as JSON, Markdown and HTML.
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
  - puhuri.core.provider_filters
  - puhuri.core.read_only
options:
  stuck_after:
    description:
      - The age from which an order waiting for the provider counts as stuck (by the server's clock).
      - A number of seconds, or a number followed by C(s), C(m), C(h), C(d) or C(w).
    type: raw
    default: 1d
  include_teams:
    description:
      - Read the team of every OK allocation (one request each) into RV(report.teams), and with O(previous)
        report the teams that changed since then.
    type: bool
    default: false
  previous:
    description:
      - The report of an earlier run (its JSON file's content). Its C(teams) are compared with the teams read now;
        allocations that were not in it are not reported as changed.
    type: dict
  local_accounts:
    description:
      - Your local account names (for example from C(sacctmgr)). Each one that is no C(backend_id) of an allocation
        that is not Terminated is reported in C(accounts_without_allocation). Not set, the check is skipped.
    type: list
    elements: str
seealso:
  - module: puhuri.core.puhuri_order_info
  - module: puhuri.core.puhuri_stuck_orders
'''

EXAMPLES = r'''
- name: Audit the site
  puhuri.core.puhuri_audit_info:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    stuck_after: 2d
    # e.g. from: sacctmgr -nP list account format=account
    local_accounts: [hpc_alloc1, hpc_alloc4, project_465000123]
  register: audit

- name: Fail the job when an allocation is Erred
  ansible.builtin.assert:
    that: audit.report.summary.findings.erred == 0
    fail_msg: "Erred: {{ audit.report.findings.erred | map(attribute='name') | join(', ') }}"
'''

RETURN = r'''
report:
  description: The audit, ready to be written as JSON.
  returned: always
  type: dict
  contains:
    generated_at:
      description: The server's time of the audit (UTC).
      type: str
      sample: "2026-11-30T22:20:36Z"
    clock:
      description: C(server) (its C(Date) header), or C(controller) when the server sent no C(Date).
      type: str
    period:
      description: The billing month whose usage was checked, C(YYYY-MM).
      type: str
      sample: 2026-11
    summary:
      description: C(allocations) (the number read), C(by_state) (count per state) and C(findings) (count per finding).
      type: dict
    findings:
      description: Per finding (the keys listed in the description), the list of what was found.
      type: dict
    checks:
      description: Per optional finding (C(team_changes), C(accounts_without_allocation)), whether it was checked.
      type: dict
    usage_by_offering:
      description:
        - Per offering, C(offering_uuid), C(offering_name), C(components) (C(type) and this month's C(total)),
          C(ok_allocations) and C(ok_allocations_reporting).
      type: list
      elements: dict
    teams:
      description: Per OK allocation UUID, its team as C(username) and C(role); give it to the next run as O(previous).
      type: dict
      returned: when O(include_teams) is true
sections:
  description: The findings as display tables (C(key), C(title), C(description), C(columns), C(rows), C(note)).
  returned: always
  type: list
  elements: dict
requests:
  description: The HTTP requests the audit sent.
  returned: always
  type: int
  sample: 4
'''

from ansible_collections.puhuri.core.plugins.module_utils._audit import run_audit
from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriModule, argument_spec


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            provider_uuid=dict(type='str'),
            offering_uuid=dict(type='str'),
            stuck_after=dict(type='raw', default='1d'),
            include_teams=dict(type='bool', default=False),
            previous=dict(type='dict'),
            local_accounts=dict(type='list', elements='str'),
        ),
        supports_check_mode=True,
    )
    run_audit(module)


if __name__ == '__main__':
    main()
