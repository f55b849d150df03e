# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of puhuri_resource_state: read every declared allocation, plan with _lifecycle, write, and read or
plan again where a write did not go through (the uncertain-write loop), until each is as declared or failed.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, client_from_module, fail_api, fail_bulk, read_src, uuid_problem,
)
from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import (
    DECLARATION_KEYS, OPEN_ORDER_STATES, PENDING_START_DATE, RESOURCE_OK_ACTIONS, SLURM, DeclarationsFileError, declaration_problems,
    declared_values, describe, domain_view, file_declarations, order_summary, plan, repeated, situation,
)
from ansible_collections.puhuri.core.plugins.module_utils._parallel import each, parallel_problem, together
from ansible_collections.puhuri.core.plugins.module_utils._provision import provision_plan
from ansible_collections.puhuri.core.plugins.module_utils._triage import TriageRuleError, validate_rules

RESOURCES = 'marketplace-provider-resources/'
ORDERS = 'marketplace-orders/'
RESOURCE_FIELDS = ['uuid', 'name', 'state', 'backend_id', 'report', 'offering_type', 'offering_uuid', 'provider_uuid',
                   'limits']
ORDER_FIELDS = ['uuid', 'type', 'state', 'marketplace_resource_uuid', 'limits', 'attributes', 'created']
# What triage rules can match on, beyond RESOURCE_FIELDS (see _triage).
TRIAGE_FIELDS = ['offering_name', 'plan_uuid', 'plan_name', 'project_name', 'customer_name']
POLICY_KEYS = ('undeclared_policy', 'update_policy', 'terminate_policy', 'triage_rules')
# The keys planning reads: an answer without them is not what this API answers.
RESOURCE_KEYS = ('uuid', 'state', 'offering_type')
ORDER_KEYS = ('uuid', 'type', 'state')
ALLOCATION_KEYS = ['state', 'backend_id', 'report', 'error_message', 'error_traceback', 'rejection_comment', 'limits']
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
    'set_slurm_state_ok': 'marketplace-slurm-remote set_state needs the owner, a service-provider or an offering manager',
}
SLURM_REMOTE = 'marketplace-slurm-remote/'
NO_RESOURCE_OK = ('Erred -> OK needs the resource action set_as_ok (Waldur after 7.0.7) or set_state_ok (Waldur 8.0.3 '
                  'and later) and this server has neither (HTTP 404 for both, as on Waldur 7.0.7); only a failed '
                  'Create order of a Marketplace.Slurm allocation can be retried there')
STAFF_ONLY_ERRED = ('approving first would give the users access and then fail: this server (Waldur 7.0.7: its order '
                    'list has no pending-start-date) lets only staff mark an allocation Erred (set_as_erred), and this '
                    'token is not staff; declare it terminated (the order is rejected) or run with a staff token')
FAILED_UPDATE = ('check mode: failing its Update order (set_state_erred) leaves the allocation Erred with its old limits '
                 '(RL707 #27-31)')
CHECK_MODE_NOTES = {
    'set_as_ok': ('check mode: set_as_ok is listed for Erred -> OK; a real run uses set_as_ok or set_state_ok, '
                  'whichever this server offers, and fails on Waldur 7.0.7, which has neither'),
    'set_as_erred': ('check mode: set_as_erred is listed; Waldur 7.0.7 lets only staff call it, so a real run there '
                     'fails for other tokens'),
}


class Allocation(object):
    """One declared allocation through the run: what was read, planned and sent, and how it ended."""

    def __init__(self, declaration):
        self.declaration = declaration
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

    def __init__(self, client, allocations, single, check_mode=False, filters=None, parallel=1, policies=None):
        self.client = client
        # With policies (undeclared_policy, update_policy, terminate_policy, triage_rules) the orders nobody declared
        # are decided from the same listings the run reads anyway (see decide_undeclared).
        self.policies = policies
        self.decided = {}
        self.prefetched = {}  # the first read's listings, read while deciding
        self.parallel = parallel  # allocations written at the same time (each one's steps stay in order)
        self.allocations = allocations
        self.single = single
        self.check_mode = check_mode
        self.filters = filters or {}  # provider_uuid / offering_uuid, normalised
        self.absent = set()  # resource actions this server does not offer
        self.start_date_orders = None  # whether the order list knows pending-start-date (8.x), once asked
        self.staff = None  # whether the token is staff, once asked

    def pending(self):
        return [a for a in self.allocations if not a.failed]

    def run(self):
        if self.policies is not None:
            self.decide_undeclared()
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
            each(self.client, todo, self.execute, self.parallel)
            self.refresh(todo)

    def decide_undeclared(self):
        """Plan the orders nobody declared (Creating allocations, pending Update and Terminate orders) with the policies
        and triage rules, from the listings the first read uses; the allocations become the plan's declarations."""
        self.prefetch(RESOURCE_FIELDS + (TRIAGE_FIELDS if self.policies['triage_rules'] else []))
        listing, open_orders = self.prefetched['resources'], self.prefetched['open_orders']
        creating = [resource for resource in listing if resource.get('state') == 'Creating']
        active = [dict(resource, open_orders=[order_summary(open_orders[normalize_uuid(resource['uuid'])])])
                  for resource in listing
                  if resource.get('state') == 'OK' and normalize_uuid(resource['uuid']) in open_orders]
        decided = provision_plan([a.declaration for a in self.allocations], creating, self.policies['undeclared_policy'],
                                 {}, active, self.policies['update_policy'], self.policies['terminate_policy'],
                                 self.policies['triage_rules'])
        self.allocations = [Allocation(item) for item in decided['allocations']]
        self.decided = dict((key, decided[key]) for key in ('undeclared', 'triaged', 'left'))

    # ------------------------------------------------------------------ read

    def read(self, allocations):
        if self.single:
            for allocation in allocations:
                self.read_detail(allocation)
        else:
            if self.parallel > 1 and not self.prefetched:
                self.prefetch(RESOURCE_FIELDS)
            self.read_resources(allocations)
            self.read_orders(allocations)
        self.read_agent_states([a for a in allocations if not a.failed and a.current is not None])

    def read_agent_states(self, allocations):
        """details/ of each Slurm allocation whose Update order waits for approval: approving errs the order unless
        the agent side is OK (the schedule_updating trap), so planning must know (one GET each, only those)."""
        for allocation in allocations:
            order = allocation.current['order']
            if (order is None or order['type'] != 'Update' or order['state'] != 'pending-provider'
                    or allocation.current['offering_type'] != SLURM):
                continue
            path = RESOURCES + allocation.uuid + '/details/'
            details = self.client.get(path)
            check_objects([details], 'GET', self.client.url_path(path), ('state',))
            allocation.current['agent_state'] = details['state']

    def read_detail(self, allocation):
        """The allocation's detail, and its orders from marketplace-orders/: never the nested copies of the detail
        (7.0.7 caches creation_order per server process, so it can show a state the order left long ago)."""
        try:
            resource = self.client.get(RESOURCES + allocation.uuid + '/')
        except PuhuriApiError as error:
            if error.status != 404:
                raise
            allocation.fail('not found, or this token cannot see it (%s)' % error, error)
            return
        check_objects([resource], 'GET', self.client.url_path(RESOURCES + allocation.uuid + '/'), RESOURCE_KEYS)
        allocation.resource, allocation.name = resource, resource.get('name')
        for name, value in sorted(self.filters.items()):
            if normalize_uuid(resource.get(name) or '') != value:
                allocation.fail('its %s is %s, not %s' % (name, resource.get(name), value))
        if allocation.failed:
            return
        open_order, erred_order = None, None
        orders = self.client.list(ORDERS, params={'resource_uuid': allocation.uuid, 'o': 'created'}, fields=ORDER_FIELDS)
        check_objects(orders, 'GET', self.client.url_path(ORDERS), ORDER_KEYS)
        for order in orders:  # oldest first: the newest of each kind wins
            if order.get('state') in OPEN_ORDER_STATES + (PENDING_START_DATE,):
                open_order = order
            elif order.get('state') == 'erred' and order.get('type') == 'Create':
                erred_order = order
        allocation.current = situation(resource, open_order, erred_order)

    def prefetch(self, fields):
        """The two listings of the bulk form, independent of each other, at the same time when parallel > 1: the
        allocations and the open orders (each of them `parallel` pages at a time). Should both fail, the error
        raised is the allocations' one. With parallel > 1 the open orders are read even when none of the declared
        allocations is found (the one case in which they would not be needed)."""
        listing, open_orders = together(self.client, [lambda client: self.list_resources(fields, client), self.open_orders],
                                        self.parallel)
        self.prefetched = {'resources': listing, 'open_orders': open_orders}

    def list_resources(self, fields=None, client=None):
        client = client or self.client
        listing = client.list(RESOURCES, params=self.filters, fields=fields or RESOURCE_FIELDS, parallel=self.parallel)
        check_objects(listing, 'GET', client.url_path(RESOURCES), RESOURCE_KEYS)
        return listing

    def read_resources(self, allocations):
        listing = self.prefetched.pop('resources') if 'resources' in self.prefetched else self.list_resources()
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
        open_orders = self.prefetched.pop('open_orders', None)
        if open_orders is None:
            open_orders = self.open_orders()
        # A failed Create order is looked for only where it can be retried: Slurm, Erred, declared ok, no open order.
        retry = [a for a in readable if a.declared['state'] == 'ok' and a.resource.get('state') == 'Erred'
                 and a.resource.get('offering_type') == SLURM and a.uuid not in open_orders]
        erred_orders = self.latest_orders({'state': 'erred', 'type': 'Create'}) if retry else {}
        for allocation in readable:
            allocation.current = situation(allocation.resource, open_orders.get(allocation.uuid),
                                           erred_orders.get(allocation.uuid))

    def latest_orders(self, query, client=None):
        """{resource uuid: its newest order} among the orders matching query (one paginated listing)."""
        client = client or self.client
        params = dict(query, o='created', **self.filters)
        orders = client.list(ORDERS, params=params, fields=ORDER_FIELDS, parallel=self.parallel)
        check_objects(orders, 'GET', client.url_path(ORDERS), ORDER_KEYS + ('marketplace_resource_uuid',))
        latest = {}
        for order in orders:
            latest[normalize_uuid(order.get('marketplace_resource_uuid') or '')] = order
        return latest

    def open_orders(self, client=None):
        """latest_orders() of the open states, pending-start-date included where the server has it (8.x)."""
        if self.start_date_orders is not False:
            try:
                orders = self.latest_orders({'state': list(OPEN_ORDER_STATES + (PENDING_START_DATE,))}, client)
                self.start_date_orders = True
                return orders
            except PuhuriApiError as error:
                if not self.refuses_start_date(error):
                    raise
        return self.latest_orders({'state': list(OPEN_ORDER_STATES)}, client)

    def refuses_start_date(self, error):
        """True (and remembered) when `error` is the 7.0.7 order filter refusing the state name pending-start-date."""
        if error.status != 400 or self.start_date_orders:
            return False
        self.start_date_orders = False
        return True

    def staff_only_erred(self, allocation):
        """True when set_as_erred is known to be refused: a 7.0.7 server (staff only there, told apart by its order
        filter, which has no pending-start-date) and a token that is not staff."""
        if self.start_date_orders is None:
            try:
                self.client.list(ORDERS, params={'resource_uuid': allocation.uuid, 'state': PENDING_START_DATE},
                                 fields=['uuid'])
                self.start_date_orders = True
            except PuhuriApiError as error:
                if not self.refuses_start_date(error):
                    raise
        if self.start_date_orders:
            return False
        if self.staff is None:
            me = self.client.get('users/me/')
            check_objects([me], 'GET', self.client.url_path('users/me/'), ('uuid',))
            self.staff = me.get('is_staff') is True  # null for everyone else on 7.0.7 (R707 #4)
        return not self.staff

    def refresh(self, executed):
        """After a round of writes. Single form: read the allocation again (its state after the task is returned).
        Bulk form: an allocation whose writes all went through is where its plan leads (each write's answer said
        so); only those that failed or need planning again are read again, with the same listings."""
        if self.single:
            self.read(executed)
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
        tail = [step.action for step in allocation.plan.steps[1:]]
        if 'set_as_erred' in tail and self.staff_only_erred(allocation):
            allocation.fail('it is %s and cannot become erred: %s' % (describe(allocation.current), STAFF_ONLY_ERRED))
            return False
        return bool(allocation.plan.steps)

    # ------------------------------------------------------------------ write

    def execute(self, client, allocation):
        """Send the planned steps in order with client (one worker's); stop at the first that does not go through."""
        allocation.outcome = 'done'
        for step in allocation.plan.steps:
            order_uuid = self.order_uuid(allocation, step)
            try:
                action = self.send(client, allocation, step, order_uuid)
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

    def send(self, client, allocation, step, order_uuid):
        """POST one step; the action name the server applied, or None when it offers no action to set OK."""
        action = step.action
        if step.order is not None:
            client.post(ORDERS + '%s/%s/' % (order_uuid, action), step.body)
            return action
        path = RESOURCES + allocation.uuid + '/'
        if action == 'terminate':
            answer = client.post(path + 'terminate/')
            if not isinstance(answer, dict) or not answer.get('order_uuid'):
                raise PuhuriApiError('POST', client.url_path(path + 'terminate/'), 200,
                                     'expected {"order_uuid": ...} in the answer', uncertain=True)
            allocation.new_order = normalize_uuid(answer['order_uuid'])
            return action
        if action == 'set_slurm_state_ok':
            client.post(SLURM_REMOTE + allocation.uuid + '/set_state/', step.body)
            return action
        if action in ('set_backend_id', 'submit_report'):
            # Sending either twice has the effect of sending it once, so the client may re-send it after a fault.
            client.post(path + action + '/', step.body, retry_safe=True)
            return action
        if action == 'set_as_erred':
            client.post(path + action + '/', step.body)
            return action
        for candidate in RESOURCE_OK_ACTIONS:
            if candidate in self.absent:
                continue
            try:
                client.post(path + candidate + '/')
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


def check_objects(answers, method, path, keys):
    """Each answer must be a JSON object with `keys`: a 200 of another shape (a proxy's page, another API) fails
    clearly, naming the call, before anything is planned from it."""
    for answer in answers:
        if not isinstance(answer, dict):
            raise PuhuriApiError(method, path, 200, 'unexpected answer: expected a JSON object with %s, got %s'
                                 % (', '.join(keys), type(answer).__name__))
        missing = [key for key in keys if key not in answer]
        if missing:
            raise PuhuriApiError(method, path, 200, 'unexpected answer: a JSON object without %s' % ', '.join(missing))


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


def read_declarations(module):
    """The declarations of the file src (read on the host the module runs on), each as (where, item); [] without src.
    Their report bodies become no_log values, as those of allocations are by the argument spec."""
    text = read_src(module)
    if text is None:
        return []
    try:
        items = file_declarations(text, module.params['src'])
    except DeclarationsFileError as error:
        module.fail_json(msg=str(error), changed=False)
    for _where, item in items:
        report = item.get('report') if isinstance(item, dict) else None
        for section in report if isinstance(report, list) else []:
            if isinstance(section, dict) and section.get('body'):
                module.no_log_values.add(str(section['body']))
    return items


def single_form(params):
    """True for the single form (uuid and the per-allocation options), False for the bulk form (allocations, src)."""
    return params['allocations'] is None and params.get('src') is None


def input_problems(params, file_items=()):
    """Every problem of the task's input, before any request: the declarations of allocations are named
    allocations[i], those of the file src '<src> item <n>'."""
    if single_form(params):
        items = [('', dict((key, params[key]) for key in ['uuid'] + ALLOCATION_KEYS))]
    else:
        items = [('allocations[%d]' % index, item) for index, item in enumerate(params['allocations'] or [])]
    deciding = policies_of(params) is not None
    problems = [] if items or file_items or deciding else ['allocations is empty: declare at least one allocation']
    for where, item in items:
        problems.extend(declaration_problems(item, where))
    for where, item in file_items:
        problems.extend('%s: %s' % (where, problem) for problem in declaration_problems(item))
    problems.extend(p for p in [uuid_problem(name, params[name]) for name in ('provider_uuid', 'offering_uuid')] if p)
    problems.extend(p for p in [parallel_problem(params['parallel'])] if p)
    if deciding:  # only in the bulk form: the argument spec makes the policies and uuid mutually exclusive
        try:
            validate_rules(params.get('triage_rules') or [])
        except TriageRuleError as error:
            problems.append('triage_rules: %s' % error)
    if not problems and (params['allocations'] is not None or file_items):
        twice = repeated(normalize_uuid(item['uuid']) for _where, item in items + list(file_items))
        if twice:
            declaring = 'allocations and src declare' if file_items else 'allocations declares'
            problems.append('%s these allocations more than once (declare each once): %s' % (declaring, ', '.join(twice)))
    return problems


def policies_of(params):
    """The policies for the orders nobody declared, or None when none of them is given."""
    if all(params.get(key) is None for key in POLICY_KEYS):
        return None
    return {'undeclared_policy': params.get('undeclared_policy') or 'leave',
            'update_policy': params.get('update_policy') or 'leave',
            'terminate_policy': params.get('terminate_policy') or 'leave',
            'triage_rules': params.get('triage_rules') or []}


def run_module(module):
    """The whole task for the module's parameters: validate, run, and exit or fail the module."""
    params = module.params
    single = single_form(params)
    file_items = read_declarations(module)
    problems = input_problems(params, file_items)
    if problems:
        module.fail_json(msg='; '.join(problems), changed=False)
    if single:
        declarations = [dict((key, params[key]) for key in ['uuid'] + ALLOCATION_KEYS)]
    else:
        from_file = [dict((key, item.get(key)) for key in DECLARATION_KEYS) for _where, item in file_items]
        declarations = list(params['allocations'] or []) + from_file
    allocations = [Allocation(item) for item in declarations]

    client = client_from_module(module)
    filters = dict((name, normalize_uuid(params[name])) for name in ('provider_uuid', 'offering_uuid') if params[name])
    run = StateRun(client, allocations, single, module.check_mode, filters, params['parallel'], policies_of(params))
    try:
        run.run()
    except PuhuriApiError as error:
        if run.policies is not None and not run.decided:
            # Nothing planned yet (the listings failed): the error names the call, and nothing was sent.
            fail_api(module, error, changed=False)
        for allocation in run.pending():
            allocation.fail(str(error), error)
    allocations = run.allocations
    if module.check_mode:
        planned = set(step.action for a in run.pending() for step in a.plan.steps)
        for action in sorted(planned & set(CHECK_MODE_NOTES)):
            module.warn(CHECK_MODE_NOTES[action])
        if any(step.action == 'set_state_erred' and step.order['type'] == 'Update'
               for a in run.pending() for step in a.plan.steps):
            module.warn(FAILED_UPDATE)

    results = [a.result(module.check_mode) for a in allocations]
    changed = any(r['changed'] for r in results)
    diffs = [diff_of(r) for r in results if r['changed'] and r['before'] and r['after']]
    if single:
        allocation, result = allocations[0], results[0]
        output = dict(changed=changed, actions=result['actions'], resource=public_resource(allocation.resource))
        if result['before'] is not None:
            output.update(before=result['before'], after=result['after'])
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
                  invocation={'module_args': dict(params, allocations='(%d declared allocations)' % len(params['allocations']))
                              if params['allocations'] is not None else params})
    output.update(run.decided)
    if module._diff:
        output['diff'] = diffs
    failed = [a for a in allocations if a.failed]
    if failed:
        fail_bulk(module, [(a.label(), a.msg) for a in failed], len(allocations), 'failed', **output)
    module.exit_json(**output)
