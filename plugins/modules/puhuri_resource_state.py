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
    order the consumer asked for is approved for C(terminated) and rejected otherwise."
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
  diff_mode:
    support: full
    description:
      - Shows each allocation that changes before and after, in domain terms (C(state), C(order_type),
        C(order_state), C(backend_id), C(report_headers)). Report bodies are never shown; a replaced report shows
        C(report_bodies) as C((hidden, replaced)).
options:
  uuid:
    description:
      - The allocation (marketplace resource UUID). Mutually exclusive with O(allocations).
    type: str
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
  allocations:
    description:
      - The bulk form. Mutually exclusive with O(uuid) and the per-allocation options O(state), O(backend_id),
        O(report), O(error_message) and O(error_traceback).
      - Each allocation may appear only once.
    type: list
    elements: dict
    suboptions:
      uuid:
        description: The allocation (marketplace resource UUID).
        type: str
        required: true
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
notes:
  - The token must be the provider organisation's owner's to approve, reject, finish or fail orders (Waldur's
    default roles); a service-provider or offering manager gets a clear error naming the action. The backend ID and
    the report may also be set by service-provider managers.
  - "Requests: single form one read of the allocation (its detail holds its open order), the writes needed, and one
    read afterwards; bulk form one paginated listing of the allocations and one of the open orders (plus one of the
    failed Create orders, only when a failed Slurm allocation is declared C(ok)) and the writes needed. The bulk
    form reads again only when a write did not go through; otherwise RV(results[].after) is where the actions the
    server accepted lead."
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
  returned: single form
  type: list
  elements: str
  sample: [approve_by_provider, set_backend_id, submit_report, set_state_done]
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
          none), C(backend_id) and C(report_headers) (null when there is no report). Null when it could not be read.
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
actions_count:
  description: Bulk form. The number of actions sent (in check mode, that would be sent) for all allocations.
  returned: bulk form
  type: int
  sample: 3
'''


from ansible_collections.puhuri.core.plugins.module_utils._client import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, PuhuriModule, argument_spec, client_from_module, uuid_problem,
)
from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import (
    OPEN_ORDER_STATES, RESOURCE_OK_ACTIONS, SLURM, declaration_problems, declared_values, describe, domain_view, plan,
    situation,
)

RESOURCES = 'marketplace-provider-resources/'
ORDERS = 'marketplace-orders/'
RESOURCE_FIELDS = ['uuid', 'name', 'state', 'backend_id', 'report', 'offering_type', 'offering_uuid', 'provider_uuid']
ORDER_FIELDS = ['uuid', 'type', 'state', 'marketplace_resource_uuid']
ALLOCATION_KEYS = ['state', 'backend_id', 'report', 'error_message', 'error_traceback']
# A write that did not go through (its outcome unknown and then found not applied, or 409) is planned again after a
# fresh read, up to MAX_RETRIES times in a row; any progress starts the count again. MAX_ROUNDS bounds the rounds of
# read, plan and write in all, should someone else keep changing the allocation: a plan has at most 6 actions.
MAX_RETRIES = 3
MAX_ROUNDS = 6 * (MAX_RETRIES + 1) + 1
OWNER_ONLY = ("only the provider organisation's owner may approve, reject, finish or fail orders (ORDER.APPROVE / "
              "ORDER.REJECT in Waldur's default roles); use the owner's token")
PERMISSION_HINTS = {
    'approve_by_provider': OWNER_ONLY,
    'reject_by_provider': OWNER_ONLY,
    'set_state_done': OWNER_ONLY,
    'set_state_erred': OWNER_ONLY,
    'set_state_executing': OWNER_ONLY,
    'terminate': 'terminate needs RESOURCE.TERMINATE: the provider organisation\'s owner',
    'set_backend_id': 'set_backend_id needs the owner, a service-provider manager or an offering manager',
    'submit_report': 'submit_report needs the owner or a service-provider manager',
    'set_as_erred': ('Waldur 7.0.7 lets only staff mark an allocation Erred (set_as_erred); newer versions also let the '
                     'owner and the service-provider and offering managers'),
    'set_as_ok': 'set_as_ok needs RESOURCE.SET_STATE: the owner, a service-provider or an offering manager',
    'set_state_ok': 'set_state_ok needs RESOURCE.SET_STATE: the owner, a service-provider or an offering manager',
}
NO_RESOURCE_OK = ('Erred -> OK needs the resource action set_as_ok (Waldur after 7.0.7) or set_state_ok (Waldur 8.0.3 '
                  'and later) and this server has neither (HTTP 404 for both, as on Waldur 7.0.7); only a failed '
                  'Create order of a Marketplace.Slurm allocation can be retried there')
CHECK_MODE_NOTES = {
    'set_as_ok': ('check mode: set_as_ok is listed for Erred -> OK; a real run uses set_as_ok or set_state_ok, '
                  'whichever this server offers, and fails on Waldur 7.0.7, which has neither'),
    'set_as_erred': ('check mode: set_as_erred is listed; Waldur 7.0.7 lets only staff call it, so a real run there '
                     'fails for other tokens'),
}


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
    )


class Allocation(object):
    """One declared allocation through the run: what was read, planned and sent, and how it ended."""

    def __init__(self, declaration):
        self.uuid = normalize_uuid(declaration['uuid'])
        self.declared = declared_values(declaration)
        self.name = None
        self.resource = None     # the resource as last read
        self.current = None      # its situation() as last read (or as settled by the writes)
        self.before = None
        self.plan = None
        self.actions = []        # actions the server applied, in order
        self.outcome = None      # after a round of writes: 'done' or 'replan'
        self.uncertain = None    # (action, order uuid) of a write whose outcome is unknown
        self.retries = 0         # rounds in a row whose first write did not go through
        self.new_order = None    # the Terminate order `terminate` created
        self.last_error = None
        self.failed = False
        self.msg = ''
        self.error = None

    def fail(self, reason, error=None):
        if not self.failed:
            self.failed, self.msg, self.error = True, reason, error

    def label(self):
        return '%s (%s)' % (self.uuid, self.name) if self.name else self.uuid

    def result(self, check_mode):
        if check_mode:
            actions = [step.action for step in self.plan.steps] if self.plan and not self.failed else []
            after = self.plan.predicted if self.plan and not self.failed else self.current
        else:
            actions, after = list(self.actions), self.current
        return {'uuid': self.uuid, 'name': self.name, 'changed': bool(actions), 'actions': actions, 'before': self.before,
                'after': domain_view(after) if after else None, 'failed': self.failed, 'msg': self.msg}


class StateRun(object):
    """Read, plan and write for every allocation, in rounds until each is as declared, failed, or out of rounds."""

    def __init__(self, module, client, allocations, single):
        self.client = client
        self.allocations = allocations
        self.single = single
        self.check_mode = module.check_mode
        self.filters = dict((name, normalize_uuid(module.params[name])) for name in ('provider_uuid', 'offering_uuid')
                            if module.params[name])
        self.absent = set()  # resource actions this server does not offer

    def pending(self):
        return [a for a in self.allocations if not a.failed]

    def run(self):
        self.read(self.pending())
        for allocation in self.pending():
            allocation.before = domain_view(allocation.current)
        for round_number in range(MAX_ROUNDS):
            todo = [a for a in self.pending() if self.plan(a)]
            if not todo or self.check_mode:
                return
            if round_number == MAX_ROUNDS - 1:
                for allocation in todo:
                    allocation.fail('it is %s and still not as declared after %d rounds (is something else changing it?); '
                                    'last error: %s' % (describe(allocation.current), MAX_ROUNDS - 1, allocation.last_error))
                return
            for allocation in todo:
                self.execute(allocation)
            self.refresh(todo)

    # ------------------------------------------------------------------ read

    def read(self, allocations):
        if self.single:
            for allocation in allocations:
                self.read_detail(allocation)
        else:
            self.read_resources(allocations)
            self.read_orders(allocations)

    def read_detail(self, allocation):
        """The detail view holds the open order (order_in_progress) and the Create order (creation_order)."""
        try:
            resource = self.client.get(RESOURCES + allocation.uuid + '/')
        except PuhuriApiError as error:
            if error.status != 404:
                raise
            allocation.fail('not found, or this token cannot see it (%s)' % error, error)
            return
        allocation.resource, allocation.name = resource, resource.get('name')
        for name, value in sorted(self.filters.items()):
            if normalize_uuid(resource.get(name) or '') != value:
                allocation.fail('its %s is %s, not %s' % (name, resource.get(name), value))
        allocation.current = situation(resource, resource.get('order_in_progress'), resource.get('creation_order'))

    def read_resources(self, allocations):
        listing = self.client.list(RESOURCES, params=self.filters, fields=RESOURCE_FIELDS)
        found = dict((normalize_uuid(r['uuid']), r) for r in listing)
        for allocation in allocations:
            allocation.resource = found.get(allocation.uuid)
            if allocation.resource is None:
                narrowed = ''.join(' with %s %s' % item for item in sorted(self.filters.items()))
                allocation.fail('not found among the allocations this token can see%s' % narrowed)
            else:
                allocation.name = allocation.resource.get('name')

    def read_orders(self, allocations):
        readable = [a for a in allocations if a.resource is not None]
        if not readable:
            return
        open_orders = self.latest_orders({'state': list(OPEN_ORDER_STATES)})
        # A failed Create order is looked for only where it can be retried: Slurm, Erred, declared ok, no open order.
        retry = [a for a in readable if a.declared['state'] == 'ok' and a.resource.get('state') == 'Erred'
                 and a.resource.get('offering_type') == SLURM and a.uuid not in open_orders]
        erred_orders = self.latest_orders({'state': 'erred', 'type': 'Create'}) if retry else {}
        for allocation in readable:
            allocation.current = situation(allocation.resource, open_orders.get(allocation.uuid),
                                           erred_orders.get(allocation.uuid))

    def latest_orders(self, query):
        """{resource uuid: its newest order} among the orders matching query (one paginated listing)."""
        params = dict(query, o='created', **self.filters)
        latest = {}
        for order in self.client.list(ORDERS, params=params, fields=ORDER_FIELDS):
            latest[normalize_uuid(order.get('marketplace_resource_uuid') or '')] = order
        return latest

    def refresh(self, executed):
        """After a round of writes. Single form: read the allocation again (its state after the task is returned).
        Bulk form: an allocation whose writes all went through is where its plan leads (each write's answer said
        so); only those that failed or need planning again are read again, with the same listings."""
        if self.single:
            for allocation in executed:
                self.read_detail(allocation)
            return
        again = []
        for allocation in executed:
            if allocation.outcome == 'done' and not allocation.failed:
                allocation.current = allocation.plan.predicted
            else:
                again.append(allocation)
        if again:
            self.read(again)

    # ------------------------------------------------------------------ plan

    def plan(self, allocation):
        """Plan from what was read; True when there is something to send."""
        allocation.plan = plan(allocation.current, allocation.declared)
        if allocation.uncertain is not None:
            # The write whose answer was lost was applied unless the new plan starts with it again.
            first = allocation.plan.steps[0] if allocation.plan.steps else None
            if first is None or (first.action, self.order_uuid(allocation, first)) != allocation.uncertain:
                allocation.actions.append(allocation.uncertain[0])
                allocation.retries = 0
            allocation.uncertain = None
        if allocation.retries > MAX_RETRIES:
            allocation.fail('it is %s; gave up after %d attempts in a row that did not go through, the last: %s'
                            % (describe(allocation.current), allocation.retries, allocation.last_error), allocation.last_error)
            return False
        if allocation.plan.problem:
            allocation.fail('it is %s and cannot become %s: %s'
                            % (describe(allocation.current), allocation.declared['state'], allocation.plan.problem))
            return False
        return bool(allocation.plan.steps)

    # ------------------------------------------------------------------ write

    def execute(self, allocation):
        """Send the planned steps in order; stop at the first that does not go through."""
        allocation.outcome = 'done'
        for step in allocation.plan.steps:
            order_uuid = self.order_uuid(allocation, step)
            try:
                action = self.send(allocation, step, order_uuid)
            except PuhuriApiError as error:
                allocation.last_error = error
                if error.uncertain or error.status == 409:
                    # Applied or not, or the state moved underneath: read again and plan again, never re-send blindly.
                    allocation.uncertain = (step.action, order_uuid) if error.uncertain else None
                    allocation.retries += 1
                    allocation.outcome = 'replan'
                else:
                    allocation.fail(self.step_failure(allocation, step, order_uuid, error), error)
                return
            if action is None:
                allocation.fail('it is %s and cannot become ok: %s' % (describe(allocation.current), NO_RESOURCE_OK))
                return
            allocation.actions.append(action)
            allocation.retries = 0

    def order_uuid(self, allocation, step):
        if step.order is None:
            return None
        return step.order['uuid'] or allocation.new_order

    def send(self, allocation, step, order_uuid):
        """POST one step; the action name the server applied, or None when it offers no action to set OK."""
        action = step.action
        if step.order is not None:
            self.client.post(ORDERS + '%s/%s/' % (order_uuid, action), step.body)
            return action
        path = RESOURCES + allocation.uuid + '/'
        if action == 'terminate':
            answer = self.client.post(path + 'terminate/')
            if not isinstance(answer, dict) or not answer.get('order_uuid'):
                raise PuhuriApiError('POST', self.client.url_path(path + 'terminate/'), 200,
                                     'expected {"order_uuid": ...} in the answer', uncertain=True)
            allocation.new_order = normalize_uuid(answer['order_uuid'])
            return action
        if action in ('set_backend_id', 'submit_report'):
            # Sending either twice has the effect of sending it once, so the client may re-send it after a fault.
            self.client.post(path + action + '/', step.body, retry_safe=True)
            return action
        if action == 'set_as_erred':
            self.client.post(path + action + '/', step.body)
            return action
        for candidate in RESOURCE_OK_ACTIONS:
            if candidate in self.absent:
                continue
            try:
                self.client.post(path + candidate + '/')
                return candidate
            except PuhuriApiError as error:
                if error.status != 404:
                    raise
                # The allocation was just read, so a 404 here means the server has no such action.
                self.absent.add(candidate)
        return None

    def step_failure(self, allocation, step, order_uuid, error):
        target = step.action if step.order is None else '%s of its %s order %s' % (step.action, step.order['type'], order_uuid)
        text = 'from %s: %s failed: %s' % (describe(allocation.current), target, error)
        if error.status == 403 and step.action in PERMISSION_HINTS:
            text += '; ' + PERMISSION_HINTS[step.action]
        if allocation.actions:
            text += ' (sent before: %s)' % ', '.join(allocation.actions)
        return text


def public_resource(resource):
    """The resource without its report bodies."""
    if resource is None:
        return None
    public = dict(resource)
    if isinstance(public.get('report'), list):
        public['report'] = [{'header': section.get('header')} for section in public['report']]
    return public


def diff_of(result):
    before, after = dict(result['before']), dict(result['after'])
    if 'submit_report' in result['actions']:
        before['report_bodies'], after['report_bodies'] = '(hidden)', '(hidden, replaced)'
    header = 'allocation %s' % (result['name'] or result['uuid'])
    return {'before_header': header, 'after_header': header, 'before': before, 'after': after}


def input_problems(params):
    if params['allocations'] is None:
        items = [('', dict((key, params[key]) for key in ['uuid'] + ALLOCATION_KEYS))]
    else:
        items = [('allocations[%d]' % index, item) for index, item in enumerate(params['allocations'])]
    problems = [] if items else ['allocations is empty: declare at least one allocation']
    for where, item in items:
        problems.extend(declaration_problems(item, where))
    problems.extend(p for p in [uuid_problem(name, params[name]) for name in ('provider_uuid', 'offering_uuid')] if p)
    if not problems and params['allocations'] is not None:
        seen, twice = set(), []
        for _where, item in items:
            key = normalize_uuid(item['uuid'])
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        if twice:
            problems.append('allocations declares these allocations more than once (declare each once): %s' % ', '.join(twice))
    return problems


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            uuid=dict(type='str'),
            allocations=dict(type='list', elements='dict', options=dict(uuid=dict(type='str', required=True), **allocation_options())),
            provider_uuid=dict(type='str'),
            offering_uuid=dict(type='str'),
            **allocation_options()
        ),
        mutually_exclusive=[('uuid', 'allocations')] + [('allocations', key) for key in ALLOCATION_KEYS],
        required_one_of=[('uuid', 'allocations')],
        supports_check_mode=True,
    )
    params = module.params
    single = params['allocations'] is None
    problems = input_problems(params)
    if problems:
        module.fail_json(msg='; '.join(problems), changed=False)
    declarations = [dict((key, params[key]) for key in ['uuid'] + ALLOCATION_KEYS)] if single else params['allocations']
    allocations = [Allocation(item) for item in declarations]

    client = client_from_module(module)
    run = StateRun(module, client, allocations, single)
    try:
        run.run()
    except PuhuriApiError as error:
        for allocation in run.pending():
            allocation.fail(str(error), error)
    if module.check_mode:
        planned = set(step.action for a in run.pending() for step in a.plan.steps)
        for action in sorted(planned & set(CHECK_MODE_NOTES)):
            module.warn(CHECK_MODE_NOTES[action])

    results = [a.result(module.check_mode) for a in allocations]
    changed = any(r['changed'] for r in results)
    diffs = [diff_of(r) for r in results if r['changed'] and r['before'] and r['after']]
    if single:
        allocation, result = allocations[0], results[0]
        output = dict(changed=changed, actions=result['actions'], resource=public_resource(allocation.resource))
        if module._diff and diffs:
            output['diff'] = diffs[0]
        if allocation.failed:
            error = allocation.error
            if error is not None:
                output.update(method=error.method, path=error.path, status=error.status, server_message=error.message)
            module.fail_json(msg='allocation %s: %s' % (allocation.label(), allocation.msg), **output)
        module.exit_json(**output)
    # Only allocations that changed or failed are returned, and the invocation shows the count of declarations:
    # Ansible masks every returned string against every no_log value (each report body), which grows as N x N.
    reported = [r for r in results if r['changed'] or r['failed']]
    output = dict(changed=changed, results=reported, unchanged=len(results) - len(reported),
                  actions_count=sum(len(r['actions']) for r in results),
                  invocation={'module_args': dict(params, allocations='(%d declared allocations)' % len(allocations))})
    if module._diff:
        output['diff'] = diffs
    failed = [a for a in allocations if a.failed]
    if failed:
        module.fail_json(msg='%d of %d allocations failed: %s' % (len(failed), len(allocations), '; '.join(
            '%s: %s' % (a.label(), a.msg) for a in failed)), **output)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
