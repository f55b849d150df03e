#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_usage
short_description: Report the monthly component usage of Puhuri Core allocations
version_added: 0.1.0
description:
  - Records what an allocation (marketplace resource) consumed in a month, per component (for example C(cpu_k_hours),
    C(gpu_k_hours), C(gb_k_hours)), through C(POST /api/marketplace-component-usages/set_usage/).
  - Each amount is the B(month-to-date total) of that component, not an increment. The server keeps one value per
    allocation, component and month, and each report overwrites it; reporting the same totals again changes nothing.
  - Reads first, then sends only what differs. It reads the offering's components and the values already recorded
    for the month, checks every component type and amount before anything is sent, and skips the call when the
    recorded values already match. Amounts are compared as decimals, so C(13), C("13.0") and the server's C("13.00")
    are the same value.
  - B(Nothing is lost.) The server replaces the allocation's C(current_usages) with exactly the components of the
    latest call. So every call carries all components recorded for the month (the ones you declare, plus the values
    and descriptions already recorded for the others). You may therefore declare only some components.
  - Refuses to lower a recorded value unless O(allow_decrease=true).
  - Bulk form (O(allocations)) reports for many allocations in one task with a few listings instead of one read per
    allocation. Every allocation gets its own result; one failing allocation does not stop the others, and at the
    end the task fails listing exactly which allocations were not reported and why.
  - In the bulk form an allocation can be named by its C(backend_id) (the site's local account name), looked up in
    the same one listing of the allocations, so a site needs no listing of its own to map account names.
  - The rows form (O(rows), O(src)) takes the site's usage as rows (one amount of one component of one account each), for
    example a CSV file from the batch system's accounting. The module reads them, adds them up per allocation and
    component, maps the accounts in its one listing of the allocations, names every problem of the rows at once and
    then reports like the bulk form. This is what the role puhuri.core.report_usage runs.
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
attributes:
  check_mode:
    support: full
    description:
      - Makes the same reads and decisions and returns the same results, but sends no usage. For a past O(period)
        it still sends the one request that can never record anything (see O(period)).
  diff_mode:
    support: full
    description: Shows the recorded and the new totals of each allocation that changes.
options:
  resource_uuid:
    description:
      - The allocation (marketplace resource UUID) to report for. Needs O(usages).
      - Mutually exclusive with O(allocations), O(rows) and O(src).
    type: str
    aliases: [uuid]
  usages:
    description:
      - The month-to-date totals of O(resource_uuid), either a dict of component type to amount, or a list of dicts
        with the keys C(type), C(amount) and optionally C(description).
      - An amount is a number (integer, float or numeric string) of at least 0, with at most 2 decimals and at most
        18 digits before the decimal point.
      - Component types must be components of the allocation's offering of billing type C(usage) or C(limit).
      - Components recorded for the month but not listed here keep their recorded values.
      - A description is compared and sent stripped of leading and trailing white space, as the server stores it.
    type: raw
  users:
    description:
      - "Per-user usage of O(resource_uuid) for the month, for sites that account per user, as
        C({username: {component type: amount}}), for example C({alice: {cpu_k_hours: 2.5}}). The username is the
        user's username in the offering (see puhuri.core.puhuri_offering_user); the server accepts any."
      - Each amount is that user's month-to-date total, in the same form as in O(usages). Every component given for a
        user must be in O(usages), and the users' amounts of a component may not add up to more than its total
        there; otherwise nothing is sent.
      - After the allocation's C(set_usage) (when needed), it reads C(marketplace-component-user-usages) and sends
        C(set_user_usage) only for each user and component whose value differs; where the server has the bulk
        C(set_user_usages) (8.x) it sends one call per component instead. Users not listed keep their values.
      - 'Costs two more reads per allocation: the month''s component usages and their user usages.'
    type: dict
  allocations:
    description:
      - The bulk form, for example a whole site's report of a month in one task. Mutually exclusive with
        O(resource_uuid), O(usages), O(rows) and O(src).
      - Each allocation may appear only once.
    type: list
    elements: dict
    suboptions:
      resource_uuid:
        description: The allocation (marketplace resource UUID). Give exactly one of O(allocations[].resource_uuid) and O(allocations[].backend_id).
        type: str
        aliases: [uuid]
      backend_id:
        description:
          - The allocation's backend ID (the site's local account name), instead of O(allocations[].resource_uuid).
          - It names the one allocation in state C(OK), C(Updating) or C(Terminating) with this backend ID among the
            allocations listed (see O(provider_uuid), O(offering_uuid)). No such allocation fails the item (or skips
            it, see O(skip_unknown)); several such allocations fail the item.
        type: str
      usages:
        description: Its month-to-date totals, in the same forms as the top-level O(usages).
        type: raw
        required: true
      users:
        description: Its per-user usage, in the same form as the top-level O(users).
        type: dict
      row_sums:
        description:
          - "The unrounded sums the amounts of O(allocations[].usages) were rounded from, as C({component type: sum})."
          - Only shown (in RV(results[].row_sums) and in the C(--diff) header where rounding changed a value);
            never sent. The role puhuri.core.report_usage sets it when it adds up rows.
        type: dict
      description:
        description: Description of its components that have none of their own; defaults to O(description).
        type: str
  rows:
    description:
      - The rows form. Usage rows, each a dict with C(backend_id) (the site's local account name) or C(uuid) (the
        allocation), C(component) (a component type, for example C(cpu_k_hours)), C(amount) (the month-to-date total,
        a number of at least 0, any number of decimals) and optionally C(user), C(description) and C(source).
      - Rows of one allocation and component are added up and the sum is rounded once to 2 decimals, half up (the API
        keeps 2 decimals); RV(results[].row_sums) and C(--diff) show the unrounded sum where rows were added up or
        rounded.
      - A row with C(user) (the username in the offering) is that user's usage; the allocation's total of the
        component is then the sum of its users' amounts, each rounded once, and each user's usage is reported as with
        O(users). For one allocation and component give either rows without C(user) (the total) or rows with
        C(user), never both.
      - A C(backend_id) names the one allocation in state C(OK), C(Updating) or C(Terminating) with that backend ID
        among the allocations listed (see O(provider_uuid), O(offering_uuid)); a C(uuid) must be one of them. Other
        rows are unknown; they fail the task (or are skipped, see O(skip_unknown)).
      - Every problem of the rows (missing or unknown keys, bad amounts, unknown or ambiguous accounts, a total row
        next to per-user rows) is named at once, by the row's C(source) (for example C(usage.csv line 7)) or else as
        C(rows[index]), and the task fails before anything is sent.
      - May be given together with O(src) (the rows of O(rows) come first). No rows at all (for example an empty
        file) is nothing to do and sends no request. Mutually exclusive with O(resource_uuid) and O(allocations).
      - To keep the task's output small, RV(results) holds only the allocations that changed, failed or were
        skipped; RV(unchanged) counts the others.
    type: list
    elements: dict
    version_added: 0.2.0
  src:
    description:
      - The rows form. A CSV or JSON file of usage rows (see O(rows)) on the host the module runs on (for the role
        puhuri.core.report_usage, whose play runs on C(localhost), the controller). Read also in check mode.
      - CSV needs a header line; column names are matched case-insensitively, other columns are ignored, and empty
        lines and lines starting with C(#) are skipped. Each row's source is C(<src> line <n>).
      - JSON is a list of objects with the keys of O(rows); each row's source is C(<src> item <n>).
    type: path
    version_added: 0.2.0
  format:
    description: The format of O(src). C(auto) reads JSON when the text starts with C([), else CSV.
    type: str
    choices: [auto, csv, json]
    default: auto
    version_added: 0.2.0
  csv_delimiter:
    description: The field delimiter of a CSV O(src), one character, for example C(|) for the output of C(sreport -P).
    type: str
    default: ','
    version_added: 0.2.0
  period:
    description:
      - The month to report for, C(YYYY-MM). Default is the server's current month (UTC), read from the server's
        C(Date) header, so the controller's clock does not matter.
      - A future month always fails.
      - A past month works only on servers whose C(set_usage) takes a C(date) (Waldur 7.9 and later, including 8.x).
        Before its first write (only when something differs), the module finds out with one C(set_usage) request
        that carries no usages and an invalid C(date), which every server rejects without recording anything; a
        server that does not complain about the C(date) would ignore it and record into the current month, so the
        module then fails, sending nothing. Waldur 7.0.7 is such a server. Newer servers may allow past months only
        for staff or for C(limit) components; their refusal is shown as it is.
      - After a past month was sent, the module reads that month back and says so in RV(results[].msg) (C(reported for
        the past month ... read back from the server)); a month that does not hold the declared totals fails.
      - "Check mode sends no such request: it plans as if the server took the month, and warns that it did not check."
    type: str
  description:
    description:
      - Description of every declared component without its own description.
      - When no description is given, a component keeps the description recorded for it this month.
    type: str
  allow_decrease:
    description:
      - Allow lowering a recorded month-to-date total. Without it, an allocation whose declared total of some
        component is below the recorded one is not reported and fails, naming the component and both values.
    type: bool
    default: false
  provider_uuid:
    description:
      - Bulk and rows form only. List only the allocations of this provider organisation (customer UUID), so that a token that
        sees several providers reads and matches only this one's allocations.
    type: str
  offering_uuid:
    description:
      - Bulk and rows form only. List only the allocations of this offering.
    type: str
  skip_unknown:
    description:
      - Skip allocations usage cannot be reported for instead of failing them, that is an allocation not found (for
        O(allocations[].backend_id), none in state C(OK), C(Updating) or C(Terminating) has it) or not in such a
        state. Skipped allocations are returned with RV(results[].skipped=true) and are not failures, for example
        local accounts that are not Puhuri allocations.
      - In the rows form, rows naming no such allocation are skipped (returned in RV(skipped_rows), and each account
        as a skipped entry of RV(results)) instead of failing the task before anything is sent.
    type: bool
    default: false
  parallel:
    description:
      - Bulk and rows form. How many allocations' usage is sent at the same time, from 1 (one after the other) to 32.
        Each worker has its own HTTP session; a C(429) answer (C(Retry-After)) slows every worker, not just one.
      - Also how many pages of a listing (the allocations, the recorded usage) are read at the same time, once the
        first page has told how many there are.
      - The same requests are sent whatever the value, and the results are in the order of O(allocations).
    type: int
    default: 4
notes:
  - Usage can be reported only for allocations in state C(OK), C(Updating) or C(Terminating); others fail (or are
    skipped, see O(skip_unknown)) before anything is sent for them.
  - The token needs the permission to set usage (the provider organisation's owner or an offering manager by
    default; a service-provider manager gets HTTP 403).
  - 'Requests: single form 3 reads (allocation, offering, recorded usage) and at most 1 write; bulk form one
    paginated listing of the allocations, then per offering involved 1 read and one paginated listing of the
    month''s usage, and one write per allocation that changes. The rows form makes the same requests as the bulk
    form.'
  - 'Without O(period), Waldur records into its current month. If the server''s month changes while the task runs,
    an allocation written after the change is reported as failed with both months named: its totals went into the
    new month; correct them there (with O(allow_decrease)).'
  - A month can hold two rows for one component after a mid-month plan switch; the latest one counts as recorded.
seealso:
  - module: puhuri.core.puhuri_resource_info
'''

EXAMPLES = r'''
- name: Report this month's usage of one allocation
  puhuri.core.puhuri_usage:
    api_url: https://puhuri.example.org/api/
    api_token: "{{ puhuri_token }}"
    resource_uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
    usages:
      cpu_k_hours: 12.5
      gpu_k_hours: 0.75
      gb_k_hours: 3
    description: Slurm accounting up to {{ now(utc=true, fmt='%Y-%m-%d') }}

- name: Only the storage total changed; the CPU and GPU totals recorded this month are sent along unchanged
  puhuri.core.puhuri_usage:
    resource_uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
    usages:
      - type: gb_k_hours
        amount: "3.25"
        description: quota report

- name: The whole site's report of the month in one task
  puhuri.core.puhuri_usage:
    allocations: "{{ site_usage }}"
  vars:
    site_usage:  # for example built from the batch system's accounting
      - resource_uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
        usages: {cpu_k_hours: 14, gpu_k_hours: 1, gb_k_hours: 3.25}
      - resource_uuid: 3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12
        usages: {cpu_k_hours: 2.5, gb_k_hours: 0.5}
        description: VM accounting
  register: site_report

- name: The same by local account names, one provider's allocations only, skipping accounts that are not allocations
  puhuri.core.puhuri_usage:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    skip_unknown: true
    allocations:
      - backend_id: hpc_project_17
        usages: {cpu_k_hours: 14, gpu_k_hours: 1}
      - backend_id: local_test_account
        usages: {cpu_k_hours: 0.5}

- name: An accounting export as CSV (here written by the play; in practice the batch system's accounting writes it)
  ansible.builtin.copy:
    dest: /tmp/puhuri-usage-example.csv
    content: |
      backend_id,uuid,component,amount,user
      ,2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11,cpu_k_hours,9.5,alice
      ,2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11,cpu_k_hours,4.5,bob
      local_test_account,,cpu_k_hours,0.5,carol
    mode: "0644"

- name: The month's usage from that file, by local account name or UUID, skipping local-only accounts
  puhuri.core.puhuri_usage:
    src: /tmp/puhuri-usage-example.csv  # read on the host the task runs on
    skip_unknown: true
  register: site_report

- name: Rows given in the task (rows of one account and component are added up, then rounded once)
  puhuri.core.puhuri_usage:
    rows:
      - {uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11, component: gb_k_hours, amount: 1.004}
      - {uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11, component: gb_k_hours, amount: 2.246}
      - {uuid: 3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12, component: gb_k_hours, amount: 0.5, description: quota report}

- name: The allocation's total and what each of its users used (the users add up to at most the total)
  puhuri.core.puhuri_usage:
    resource_uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
    usages: {cpu_k_hours: 14}
    users:
      alice: {cpu_k_hours: 2.5}
      bob: {cpu_k_hours: 11.5}

- name: Correct a past month after an accounting fix (needs a server that takes a date, Waldur 7.9 or later)
  puhuri.core.puhuri_usage:
    resource_uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
    period: "2026-10"
    usages: {cpu_k_hours: 11}
    allow_decrease: true
'''

RETURN = r'''
period:
  description: The month reported for, C(YYYY-MM).
  returned: when the month could be decided
  type: str
  sample: "2026-11"
results:
  description:
    - One entry per allocation, in the order given.
    - Rows form (O(rows), O(src)) - only the allocations that changed (in check mode, would change), failed or were
      skipped, in the order of their first row; the skipped accounts come last, one entry each.
  returned: always
  type: list
  elements: dict
  contains:
    resource_uuid:
      description: The allocation, as given; for an item given by backend ID the allocation it names (null when none).
      type: str
      sample: 4b287c3fc55c433c810ca459f73b94b3
    backend_id:
      description: The backend ID, as given.
      returned: for items given by backend ID
      type: str
      sample: hpc_project_17
    name:
      description: The allocation's name.
      returned: when the allocation was found in a state that takes usage
      type: str
      sample: alloc-1
    skipped:
      description: Whether it was skipped (see O(skip_unknown)); the reason is in RV(results[].msg).
      type: bool
    changed:
      description: Whether usage was (in check mode, would be) recorded for it.
      type: bool
    before:
      description: The totals recorded for the month before the task, component type to decimal string.
      type: dict
      sample: {cpu_k_hours: "4.00", gb_k_hours: "0.25"}
    after:
      description: The totals recorded after the task (in check mode, that would be recorded).
      type: dict
      sample: {cpu_k_hours: "6.50", gb_k_hours: "0.25"}
    diff:
      description:
        - The components whose value changes, each with C(before) (null when not yet recorded) and C(after);
          a changed description adds C(description) with its C(before) and C(after).
      type: dict
      sample: {cpu_k_hours: {before: "4.00", after: "6.50"}}
    users_before:
      description: "With O(users), each declared user's recorded usage of the month, C({username: {type: amount}})."
      type: dict
      sample: {alice: {cpu_k_hours: "1.00"}}
    users_after:
      description: With O(users), each declared user's usage after the task (or, in check mode, after it would run).
      type: dict
      sample: {alice: {cpu_k_hours: "2.50"}}
    row_sums:
      description: With O(allocations[].row_sums), the unrounded sums as given.
      type: dict
      sample: {cpu_k_hours: "3.005"}
    failed:
      description: Whether this allocation was not reported.
      type: bool
    msg:
      description: What happened, or why it was not reported.
      type: str
      sample: reported
unchanged:
  description: Rows form only, the number of allocations whose usage was already recorded as given.
  returned: rows form
  type: int
  sample: 998
  version_added: 0.2.0
skipped_rows:
  description: Rows form only, the sources of the rows skipped because their account is unknown (see O(skip_unknown)).
  returned: rows form
  type: list
  elements: str
  sample: [usage.csv line 7]
  version_added: 0.2.0
before:
  description: Single form only, the totals recorded before, as in RV(results[].before).
  returned: single form
  type: dict
  sample: {cpu_k_hours: "4.00"}
after:
  description: Single form only, the totals recorded after, as in RV(results[].after).
  returned: single form
  type: dict
  sample: {cpu_k_hours: "6.50"}
'''

from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriModule, argument_spec
from ansible_collections.puhuri.core.plugins.module_utils._usage_run import run_module


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            resource_uuid=dict(type='str', aliases=['uuid']),
            usages=dict(type='raw'),
            allocations=dict(type='list', elements='dict', options=dict(
                resource_uuid=dict(type='str', aliases=['uuid']),
                backend_id=dict(type='str'),
                usages=dict(type='raw', required=True),
                users=dict(type='dict'),
                row_sums=dict(type='dict'),
                description=dict(type='str'),
            )),
            users=dict(type='dict'),
            rows=dict(type='list', elements='dict'),
            src=dict(type='path'),
            format=dict(type='str', choices=['auto', 'csv', 'json'], default='auto'),
            csv_delimiter=dict(type='str', default=','),
            period=dict(type='str'),
            description=dict(type='str'),
            allow_decrease=dict(type='bool', default=False),
            provider_uuid=dict(type='str'),
            offering_uuid=dict(type='str'),
            skip_unknown=dict(type='bool', default=False),
            parallel=dict(type='int', default=4),
        ),
        mutually_exclusive=[('resource_uuid', 'allocations', 'rows'), ('resource_uuid', 'allocations', 'src'),
                            ('usages', 'allocations'), ('resource_uuid', 'provider_uuid'), ('resource_uuid', 'offering_uuid')],
        required_one_of=[('resource_uuid', 'allocations', 'rows', 'src')],
        required_together=[('resource_uuid', 'usages')],
        required_by={'users': 'resource_uuid'},
        supports_check_mode=True,
    )
    run_module(module)


if __name__ == '__main__':
    main()
