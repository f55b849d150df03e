#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_resource_state
short_description: Declare the state, backend ID and access report of Puhuri Core allocations
version_added: 0.1.0
description:
  - Brings an allocation (marketplace resource) of your provider organisation to its declared state C(ok),
    C(erred) or C(terminated), links it to your local account (O(backend_id)) and hands its users their access
    details (O(report)). This replaces the old SDK call C(marketplace_resource_set_state), which the server no longer
    has.
  - Reads first, computes the provider actions needed and sends only those, in the order a provider would
    (approve, set the backend ID, submit the report, finish the order). Running it again changes nothing.
  - "How each state is reached: a C(Creating) allocation whose order waits for you (C(pending-provider)) is
    approved (C(ok), C(erred)) or rejected (C(terminated)). A C(Marketplace.Basic) order is finished by its
    approval; other orders (C(Marketplace.Slurm)) are then finished with C(set_state_done) (C(ok)) or failed with
    C(set_state_erred) (C(erred); Slurm only, after approval, never on a pending order). An C(OK) or C(Erred)
    allocation is terminated with C(terminate), then its Terminate order is approved (and finished). A Terminate
    order the consumer asked for is approved for C(terminated) and rejected otherwise (V(ok) or V(erred)): a
    Slurm Terminate order is then finished with C(set_state_done), a C(Marketplace.Basic) one by its approval."
  - "C(Erred) to C(ok): a Slurm allocation whose Create order failed gets that order retried
    (C(set_state_executing), C(set_state_done)), on every Waldur version. Otherwise the resource action
    C(set_as_ok) is used, or C(set_state_ok) (Waldur 8.0.3 and later); Waldur 7.0.7 has neither, and the task fails
    saying so."
  - "C(OK) to C(erred), and a pending C(Marketplace.Basic) allocation to C(erred) (approved first), use the resource
    action C(set_as_erred). Waldur 7.0.7 lets only staff call it: the task then fails naming the state it left."
  - An approved but unfinished Slurm allocation (order C(executing)) declared C(terminated) is failed first
    (C(set_state_erred)), then terminated.
  - Where no path exists (a C(Terminated) allocation, an order that waits for the consumer) the allocation fails
    before anything is sent for it, with its state, its order's state and why.
  - Bulk form (O(allocations)) for many allocations in one task, with listings instead of one read per allocation.
    One failing allocation does not stop the others; at the end the task fails listing which failed and why.
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
attributes:
  check_mode:
    support: full
    description:
      - Makes the same reads and decisions and returns the actions that would be sent, sending none.
      - Whether this server offers C(set_as_ok) / C(set_state_ok), and whether it lets you call C(set_as_erred), is
        known only by calling them; a check run lists C(set_as_ok) or C(set_as_erred) and warns that a real run may
        use C(set_state_ok) instead or fail on Waldur 7.0.7.
      - A plan that fails an Update order (C(set_state_erred)) warns that the allocation would be left Erred.
  diff_mode:
    support: full
    description:
      - Shows each allocation that changes before and after, in domain terms (C(state), C(order_type),
        C(order_state), C(backend_id), C(report_headers), C(limits), and of an Update order C(requested_limits) (its
        C(limits)) and C(previous_limits) (its C(attributes.old_limits))). Report bodies are never shown; a replaced report shows
        C(report_bodies) as C((hidden, replaced)).
options:
  uuid:
    description:
      - The allocation (marketplace resource UUID). Mutually exclusive with O(allocations) and O(src).
    type: str
    aliases: [resource_uuid]
  state:
    description:
      - The declared state. V(ok) approves and finishes, V(erred) marks it failed, V(terminated) rejects a waiting
        allocation or terminates an active one. Unset, the state is left as it is.
    type: str
    choices: [ok, erred, terminated]
  backend_id:
    description:
      - Your local account name for the allocation, a string of at most 255 characters (a number is taken as its
        text). An empty string clears it.
      - Leading and trailing white space is removed, as the server does.
    type: raw
  report:
    description:
      - The access details shown to the allocation's users. Replaces the whole stored report; sent only when it
        differs from the stored one (same sections in the same order, compared without leading and trailing white
        space, which the server removes).
      - The bodies are secrets (C(no_log)); they are never returned or shown, the headers are.
      - A header or body may have at most 65,536 characters (more is refused as a likely mistake).
    type: list
    elements: dict
    suboptions:
      header:
        description: The section's title, not empty.
        type: str
        required: true
      body:
        description: The section's text, not empty. Never logged.
        type: str
        required: true
  error_message:
    description:
      - With O(state=erred), the error shown to the users when the module marks the allocation Erred.
      - Also with O(state=terminated), for the C(set_state_erred) of an approved but unfinished order (default
        C(Cancelled by the service provider)).
      - Used only when the module changes the state; the message of an allocation that is already Erred is not updated.
    type: str
  error_traceback:
    description: Details for the portal's staff, sent with O(error_message).
    type: str
  rejection_comment:
    description:
      - Why the provider rejects an order, sent as C(provider_rejection_comment) with C(reject_by_provider) (Waldur
        8.0.5 and later keep it and show it to the consumer; 7.0.7 accepts and drops it).
      - Used only when the module rejects an order (a waiting allocation declared C(terminated), a Terminate order
        declared C(ok), an Update order asking for other O(limits)); for an Update order it replaces the comment the
        module writes itself.
    type: str
    version_added: 0.2.0
  limits:
    description:
      - "The limits you grant, by component type, whole numbers (e.g. C({cpu_k_hours: 200})). Components not named
        keep their current limit. The consumer asks for new limits in the portal (an C(Update) order); the provider
        cannot change them on Waldur 7.0.7."
      - "A C(pending-provider) Update order that asks for exactly these limits is approved; with O(state=ok) it is
        also finished (C(set_state_done); a C(Marketplace.Basic) order is finished by its approval). Without
        O(state), a Slurm Update order is left C(executing) for the site to apply the limits and declare O(state=ok)
        afterwards (the provision role does so after its update hook)."
      - "Slurm: approving an Update errs the order at once unless the allocation's agent side is OK (the
        C(schedule_updating) trap of Waldur 7.0.7). The module reads C(details/) of such an allocation and, when and
        only when its state is not C(OK), first sends C(marketplace-slurm-remote/<uuid>/set_state/) C({\"state\":
        \"ok\"}) (action C(set_slurm_state_ok))."
      - "An Update order that asks for other limits is rejected, with a C(provider_rejection_comment) naming both
        (stored by Waldur 8.x; 7.0.7 accepts and drops it)."
      - "With no Update order and limits that differ from the allocation's, the allocation fails, saying what is
        needed: nothing is sent (Waldur 8.x has a provider C(set_limits), which this module does not use)."
      - Ignored with O(state=terminated).
    type: dict
  allocations:
    description:
      - The bulk form. Mutually exclusive with O(uuid) and the per-allocation options O(state), O(backend_id),
        O(report), O(error_message), O(error_traceback) and O(limits).
      - Each allocation may appear only once.
    type: list
    elements: dict
    suboptions:
      uuid:
        description: The allocation (marketplace resource UUID).
        type: str
        required: true
        aliases: [resource_uuid]
      state:
        description: As O(state).
        type: str
        choices: [ok, erred, terminated]
      backend_id:
        description: As O(backend_id).
        type: raw
      report:
        description: As O(report).
        type: list
        elements: dict
        suboptions:
          header:
            description: The section's title, not empty.
            type: str
            required: true
          body:
            description: The section's text, not empty. Never logged.
            type: str
            required: true
      error_message:
        description: As O(error_message).
        type: str
      error_traceback:
        description: As O(error_traceback).
        type: str
      rejection_comment:
        description: As O(rejection_comment).
        type: str
      limits:
        description: As O(limits).
        type: dict
  src:
    description:
      - Bulk form. A file of declarations, read on the host the task runs on (for C(localhost), the controller), as a
        JSON or YAML list of items with the keys of O(allocations) (C(uuid), not its alias), or a mapping whose only
        key C(puhuri_allocations) is such a list (so a vars file of the role puhuri.core.provision can be given as it
        is). Read as data, not templated.
      - May be given together with O(allocations) (those come first); an allocation may be declared only once in
        both. Every problem is named C(<src> item <n>) (n from 1) and fails the task before any request.
      - For many allocations this is the fast way in - the declarations do not pass through Ansible's variables,
        templating and argument checks (on ansible-core 2.19 and later a cost per value; see README, Performance).
        The report bodies are kept out of the output as those of O(allocations) are.
    type: path
    version_added: 0.2.0
  undeclared_policy:
    description:
      - Bulk form. What to do with the C(Creating) allocations (C(pending-provider) Create orders) that O(allocations)
        does not declare. C(leave) them, C(approve) them (as if declared O(state=ok)) or C(reject) them (as if declared
        O(state=terminated)).
      - Giving this or any of O(update_policy), O(terminate_policy) and O(triage_rules) makes the module decide the
        orders nobody declared, from the same listings it reads anyway (no request more); O(allocations) may then be
        empty. RV(undeclared), RV(triaged) and RV(left) tell what was decided. The role puhuri.core.provision runs
        this way when it has no hooks.
    type: str
    choices: [leave, approve, reject]
    version_added: 0.2.0
  update_policy:
    description:
      - Bulk form. What to do with a C(pending-provider) Update order of an allocation that declares no O(limits)
        (or is not declared). C(leave) it (the default when only the other policies are given), C(approve) it (the
        requested limits are granted and the order finished) or C(reject) it (the current limits are declared).
    type: str
    choices: [leave, approve, reject]
    version_added: 0.2.0
  terminate_policy:
    description:
      - Bulk form. What to do with a C(pending-provider) Terminate order of an allocation that declares no O(state)
        (or is not declared). C(leave) it, C(approve) it (as if declared O(state=terminated)) or C(reject) it (as if
        declared O(state=ok)).
    type: str
    choices: [leave, approve, reject]
    version_added: 0.2.0
  triage_rules:
    description:
      - Bulk form. Rules for the orders nobody declared, asked before the policies (format, matching and decisions
        as in the filter puhuri.core.triage); the first matching rule decides, an order no rule matches follows
        O(undeclared_policy), O(update_policy) or O(terminate_policy). A declaration always wins over the rules. A
        rejecting rule's comment is sent as O(rejection_comment).
      - Bad rules fail the task before any request, naming the rule.
    type: list
    elements: dict
    version_added: 0.2.0
  provider_uuid:
    description:
      - The provider organisation (customer UUID). In the bulk form it narrows the listings the module reads; in
        the single form the allocation must belong to it.
    type: str
  offering_uuid:
    description:
      - The offering. In the bulk form it narrows the listings the module reads; in the single form the allocation
        must belong to it.
    type: str
  parallel:
    description:
      - Bulk form. How many allocations are worked on at the same time, from 1 (one after the other) to 32. Each
        allocation's own steps are still sent in order (approve, backend ID, report, finish); writes to different
        allocations overlap, which saves a round trip per write across a network.
      - Also how many pages of a listing are read at the same time, and with more than 1 the listing of the
        allocations and that of their open orders are read together.
      - Each worker has its own HTTP session, kept for the whole run; a C(429) answer (C(Retry-After)) slows every
        worker, not just one.
      - The same requests are sent whatever the value (with more than 1 the open orders are listed even when none of
        the declared allocations is found), and the results are in the order of O(allocations).
    type: int
    default: 4
notes:
  - The token must be the provider organisation's owner's to approve, reject, finish or fail orders (Waldur's
    default roles); a service-provider or offering manager gets a clear error naming the action. The backend ID and
    the report may also be set by service-provider managers.
  - "Requests: single form one read of the allocation and one listing of its orders, the writes needed, and the same
    reads afterwards; bulk form one paginated listing of the allocations and one of the open orders (on Waldur 7.0.7
    two: its filter refuses C(pending-start-date) with HTTP 400, then the list is read without it; plus one of the
    failed Create orders, only when a failed Slurm allocation is declared C(ok)) and the writes needed. Both forms
    read C(details/) of each Slurm allocation whose Update order waits for approval. The bulk
    form reads again only when a write did not go through; otherwise RV(results[].after) is where the actions the
    server accepted lead."
  - "Order state is read from C(marketplace-orders/?resource_uuid=), never from the nested C(creation_order) /
    C(order_in_progress) copies of the allocation's detail: Waldur 7.0.7 serves C(creation_order) stale."
  - "A plan whose end is known to fail is refused before the first write: on Waldur 7.0.7 (told apart by its order
    filter, which has no C(pending-start-date)) a pending C(Marketplace.Basic) allocation declared C(erred) would be
    approved and then refused C(set_as_erred) (staff only), so it is not approved unless the token is staff."
  - A write whose outcome is unknown (no answer, gateway error) is never re-sent blindly; the module reads the
    allocation again and plans again from what it finds. A write that did not go through is tried again at most 3
    times in a row.
  - The error message of an allocation that is already Erred is not compared (the server does not copy an order's
    error to the allocation).
seealso:
  - module: puhuri.core.puhuri_resource_info
  - module: puhuri.core.puhuri_usage
'''

EXAMPLES = r'''
- name: Accept an allocation, link it to its Slurm account and give its users their access details
  puhuri.core.puhuri_resource_state:
    api_url: https://puhuri.example.org/api/
    api_token: "{{ puhuri_api_token }}"
    uuid: e5fff443d2ec45aa8e7cfed9cc653497
    state: ok
    backend_id: project_465000123
    report:
      - header: Access
        body: ssh project_465000123@login.hpc.example.org
      - header: Support
        body: hpc-support@example.org

- name: Report that the account could not be created (connection from PUHURI_API_URL / PUHURI_API_TOKEN)
  puhuri.core.puhuri_resource_state:
    uuid: d1ef749f4116433ba14ff9268c6382cf
    state: erred
    error_message: No Slurm account could be created for this project
    error_traceback: "sacctmgr: error: project quota exceeded"

- name: Reject a request (an active allocation would be terminated)
  puhuri.core.puhuri_resource_state:
    uuid: 9c7a876e120b494b982bb53f15965f38
    state: terminated

- name: Many allocations in one task
  puhuri.core.puhuri_resource_state:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    allocations:
      - uuid: 7a6dd4388442442a9237faa94a9b0dfd
        state: ok
        backend_id: project_465000124
      - uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
        backend_id: project_465000100
  register: reconciled

- name: What was done
  ansible.builtin.debug:
    msg: "{{ reconciled.results | selectattr('changed') | map(attribute='uuid') | list }}"

- name: A declarations file (here written by the play; in practice your account system exports it)
  ansible.builtin.copy:
    dest: /tmp/puhuri-allocations-example.yml
    content: |
      - uuid: 7a6dd4388442442a9237faa94a9b0dfd
        state: ok
        backend_id: project_465000124
      - uuid: 2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11
        backend_id: project_465000100
    mode: "0600"

- name: Thousands of allocations, declared in a file (a YAML or JSON list with the keys of allocations)
  puhuri.core.puhuri_resource_state:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    src: /tmp/puhuri-allocations-example.yml  # read on the host the task runs on
    parallel: 8

- name: The declared allocations, and the requests nobody declared decided by rules, then by policy
  puhuri.core.puhuri_resource_state:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    allocations:
      - uuid: 7a6dd4388442442a9237faa94a9b0dfd
        state: ok
        backend_id: project_465000124
    triage_rules:
      - name: small-slurm
        types: [Create]
        offerings: [HPC Slurm (site agent)]
        max_limits: {cpu_k_hours: 100}
        decision: approve
    undeclared_policy: leave
    terminate_policy: approve
  register: decided

- name: The requests left to the portal
  ansible.builtin.debug:
    msg: "{{ decided.undeclared | map(attribute='name') | list }}"
'''

RETURN = r'''
resource:
  description:
    - Single form. The allocation as the server shows it after the task (in check mode, as it is now), with the
      report bodies left out (sections hold only C(header)).
  returned: single form, when the allocation could be read
  type: dict
  sample:
    uuid: e5fff443d2ec45aa8e7cfed9cc653497
    name: alloc-4
    state: OK
    backend_id: project_465000123
    report: [{header: Access}, {header: Support}]
actions:
  description:
    - Single form. The API actions sent, in order (in check mode, the ones that would be sent).
    - Order actions are C(approve_by_provider), C(reject_by_provider), C(set_state_executing), C(set_state_done) and
      C(set_state_erred); resource actions C(set_backend_id), C(submit_report), C(terminate), C(set_as_ok),
      C(set_state_ok) and C(set_as_erred).
    - "C(set_slurm_state_ok) is C(marketplace-slurm-remote/<uuid>/set_state/) with C({\"state\": \"ok\"}), sent
      before approving an Update order of a Slurm allocation whose agent side is not OK (see O(limits))."
  returned: single form
  type: list
  elements: str
  sample: [approve_by_provider, set_backend_id, submit_report, set_state_done]
before:
  description: Single form. As RV(results[].before).
  returned: single form, when the allocation could be read
  type: dict
after:
  description: Single form. As RV(results[].after) (in check mode, where the planned actions lead).
  returned: single form, when the allocation could be read
  type: dict
  sample:
    state: OK
    order_type: null
    order_state: null
    backend_id: project_465000123
    report_headers: null
    limits: {cpu_k_hours: 200, gpu_k_hours: 4}
    requested_limits: null
    previous_limits: null
results:
  description:
    - Bulk form. One result per declared allocation that changed (in check mode, would change) or failed, in the
      declared order. Allocations already as declared are only counted, in RV(unchanged).
  returned: bulk form
  type: list
  elements: dict
  contains:
    uuid:
      description: The allocation (32 hex characters).
      type: str
    name:
      description: Its name, when it could be read.
      type: str
    changed:
      description: Whether anything was sent (in check mode, would be sent) for it.
      type: bool
    actions:
      description: As RV(actions), for this allocation.
      type: list
      elements: str
    before:
      description:
        - It before the task in domain terms, C(state), C(order_type) and C(order_state) (its open order, null when
          none), C(backend_id), C(report_headers) (null when there is no report) and C(limits); of an open Update
          order C(requested_limits) (its C(limits)) and C(previous_limits) (its C(attributes.old_limits)), null
          otherwise. Null when it could not be read.
      type: dict
    after:
      description:
        - It after the task, in the same terms as RV(results[].before). Where every write went through, this is
          where they lead (each answer confirmed its step; no read after the writes); in check mode, where the
          planned actions would lead; otherwise as read again.
      type: dict
    failed:
      description: Whether this allocation failed.
      type: bool
    msg:
      description: Why it failed, with its state and its order's state; empty otherwise.
      type: str
  sample:
    - uuid: e5fff443d2ec45aa8e7cfed9cc653497
      name: alloc-4
      changed: true
      actions: [approve_by_provider, set_backend_id, set_state_done]
      before: {state: Creating, order_type: Create, order_state: pending-provider, backend_id: "", report_headers: null}
      after: {state: OK, order_type: null, order_state: null, backend_id: acct-4, report_headers: null}
      failed: false
      msg: ""
unchanged:
  description: Bulk form. The number of declared allocations that were already as declared.
  returned: bulk form
  type: int
  sample: 900
undeclared:
  description:
    - Bulk form, with the policies (see O(undeclared_policy)). The C(Creating) allocations O(allocations) does not
      declare, as C(uuid) and C(name), whatever was decided for them.
  returned: when O(undeclared_policy), O(update_policy), O(terminate_policy) or O(triage_rules) is given
  type: list
  elements: dict
  version_added: 0.2.0
triaged:
  description:
    - Bulk form, with the policies. One entry per order a triage rule decided, with C(uuid) and C(name) of the
      allocation, C(type) (C(Create), C(Update) or C(Terminate)), C(decision) and C(rule) (its name).
  returned: when O(undeclared_policy), O(update_policy), O(terminate_policy) or O(triage_rules) is given
  type: list
  elements: dict
  version_added: 0.2.0
left:
  description:
    - Bulk form, with the policies. The pending Update and Terminate orders left to the portal, as C(uuid), C(name)
      and C(order_type).
  returned: when O(undeclared_policy), O(update_policy), O(terminate_policy) or O(triage_rules) is given
  type: list
  elements: dict
  version_added: 0.2.0
actions_count:
  description: Bulk form. The number of actions sent (in check mode, that would be sent) for all allocations.
  returned: bulk form
  type: int
  sample: 3
'''


from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriModule, argument_spec
from ansible_collections.puhuri.core.plugins.module_utils._provision import POLICIES
from ansible_collections.puhuri.core.plugins.module_utils._state_run import ALLOCATION_KEYS, POLICY_KEYS, run_module


def report_options():
    return dict(header=dict(type='str', required=True), body=dict(type='str', required=True, no_log=True))


def allocation_options():
    # The bodies are the secrets, not the whole report: no_log on `report` would also hide the headers, everywhere
    # in the output (Ansible masks every occurrence of a no_log value), so --diff could not show them.
    return dict(
        state=dict(type='str', choices=['ok', 'erred', 'terminated']),
        # raw, checked in _lifecycle: type str would turn a mistaken dict or list into its text.
        backend_id=dict(type='raw'),
        report=dict(type='list', elements='dict', options=report_options()),
        error_message=dict(type='str'),
        error_traceback=dict(type='str'),
        rejection_comment=dict(type='str'),
        # raw values, checked in _lifecycle: whole numbers, also given as text by a template.
        limits=dict(type='dict'),
    )


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            uuid=dict(type='str', aliases=['resource_uuid']),
            allocations=dict(type='list', elements='dict', options=dict(
                uuid=dict(type='str', required=True, aliases=['resource_uuid']), **allocation_options())),
            src=dict(type='path'),
            provider_uuid=dict(type='str'),
            offering_uuid=dict(type='str'),
            parallel=dict(type='int', default=4),
            undeclared_policy=dict(type='str', choices=POLICIES),
            update_policy=dict(type='str', choices=POLICIES),
            terminate_policy=dict(type='str', choices=POLICIES),
            triage_rules=dict(type='list', elements='dict'),
            **allocation_options()
        ),
        mutually_exclusive=[('uuid', 'allocations'), ('uuid', 'src')] + [(form, key) for form in ('allocations', 'src')
                                                                         for key in ALLOCATION_KEYS]
        + [('uuid', key) for key in POLICY_KEYS],
        required_one_of=[('uuid', 'allocations', 'src')],
        supports_check_mode=True,
    )
    run_module(module)


if __name__ == '__main__':
    main()
