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
      - Mutually exclusive with O(allocations).
    type: str
  usages:
    description:
      - The month-to-date totals of O(resource_uuid), either a dict of component type to amount, or a list of dicts
        with the keys C(type), C(amount) and optionally C(description).
      - An amount is a number (integer, float or numeric string) of at least 0, with at most 2 decimals and at most
        18 digits before the decimal point.
      - Component types must be components of the allocation's offering of billing type C(usage) or C(limit).
      - Components recorded for the month but not listed here keep their recorded values.
    type: raw
  allocations:
    description:
      - The bulk form, for example a whole site's report of a month in one task. Mutually exclusive with
        O(resource_uuid) and O(usages).
      - Each allocation may appear only once.
    type: list
    elements: dict
    suboptions:
      resource_uuid:
        description: The allocation (marketplace resource UUID). Give exactly one of O(allocations[].resource_uuid) and O(allocations[].backend_id).
        type: str
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
      description:
        description: Description of its components that have none of their own; defaults to O(description).
        type: str
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
      - Bulk form only. List only the allocations of this provider organisation (customer UUID), so that a token that
        sees several providers reads and matches only this one's allocations.
    type: str
  offering_uuid:
    description:
      - Bulk form only. List only the allocations of this offering.
    type: str
  skip_unknown:
    description:
      - Skip allocations usage cannot be reported for instead of failing them, that is an allocation not found (for
        O(allocations[].backend_id), none in state C(OK), C(Updating) or C(Terminating) has it) or not in such a
        state. Skipped allocations are returned with RV(results[].skipped=true) and are not failures, for example
        local accounts that are not Puhuri allocations.
    type: bool
    default: false
notes:
  - Usage can be reported only for allocations in state C(OK), C(Updating) or C(Terminating); others fail (or are
    skipped, see O(skip_unknown)) before anything is sent for them.
  - The token needs the permission to set usage (the provider organisation's owner or an offering manager by
    default; a service-provider manager gets HTTP 403).
  - 'Requests: single form 3 reads (allocation, offering, recorded usage) and at most 1 write; bulk form one
    paginated listing of the allocations, then per offering involved 1 read and one paginated listing of the
    month''s usage, and one write per allocation that changes.'
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
  description: One entry per allocation, in the order given.
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
    failed:
      description: Whether this allocation was not reported.
      type: bool
    msg:
      description: What happened, or why it was not reported.
      type: str
      sample: reported
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

import datetime

from ansible_collections.puhuri.core.plugins.module_utils._client import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, PuhuriModule, argument_spec, client_from_module, fail_api, uuid_problem,
)
from ansible_collections.puhuri.core.plugins.module_utils._usage import (
    REPORTABLE_STATES, allowed_types, billing_period, month_of, parse_period, parse_usages, period_date, period_text,
    plan_usage, recorded_usages, server_time,
)

RESOURCES = 'marketplace-provider-resources/'
OFFERINGS = 'marketplace-provider-offerings/'
USAGES = 'marketplace-component-usages/'
SET_USAGE = USAGES + 'set_usage/'
RESOURCE_FIELDS = ['uuid', 'name', 'state', 'offering_uuid']
USAGE_FIELDS = ['resource_uuid', 'type', 'usage', 'description', 'date']


class Allocation(object):
    """One allocation of the task: what was declared, what the server holds, what was decided."""

    def __init__(self, resource_uuid, usages, description, backend_id=None):
        self.resource_uuid = resource_uuid
        self.backend_id = backend_id
        self.uuid = normalize_uuid(resource_uuid) if isinstance(resource_uuid, str) else None
        problem = uuid_problem('resource_uuid', resource_uuid)
        self.declared, problems = parse_usages(usages, description)
        self.problems = ([problem] if problem else []) + problems
        self.name = None
        self.offering_uuid = None
        self.plan = None
        self.changed = False
        self.skipped = False
        self.done_msg = ''

    @property
    def failed(self):
        return bool(self.problems)

    @property
    def label(self):
        """How messages name it: as the task gave it."""
        return 'backend_id %s' % self.backend_id if self.backend_id is not None else self.resource_uuid

    def skip(self, reason):
        self.skipped = True
        self.done_msg = 'skipped: %s' % reason

    def fail(self, problem):
        self.problems.append(problem)

    def result(self):
        before = self.plan.before if self.plan else {}
        failed = self.failed
        result = {
            'resource_uuid': self.uuid if self.backend_id is not None else self.resource_uuid,
            'changed': self.changed,
            'before': before,
            'after': self.plan.after if self.plan and not failed else dict(before),
            'diff': self.plan.diff if self.plan and not failed else {},
            'failed': failed,
            'skipped': self.skipped,
            'msg': '; '.join(self.problems) if failed else self.done_msg,
        }
        if self.backend_id is not None:
            result['backend_id'] = self.backend_id
        if self.name is not None:
            result['name'] = self.name
        return result


class UsageReport(object):
    """Read, plan and write the usage of a list of allocations (the single form is a list of one)."""

    def __init__(self, module, client, allocations, single):
        self.module = module
        self.client = client
        self.allocations = allocations
        self.single = single
        self.accepted = {}       # offering uuid -> reportable component types, or a PuhuriApiError
        self.server_now = None   # the server's clock, from the first offering read
        self.period = None
        self.current = None      # the server's current month
        self.send_date = False

    def pending(self):
        return [a for a in self.allocations if not a.failed and not a.skipped]

    def run(self):
        """Everything up to the writes; returns the task-level problem that stops all writes, or None."""
        self.read_allocations()
        for allocation in self.pending():
            self.read_offering(allocation)
        if not self.pending():
            return None
        problem = self.decide_period()
        if problem:
            return problem
        recorded = self.read_recorded()
        for allocation in self.pending():
            allocation.plan = plan_usage(allocation.declared, recorded.get(allocation.uuid, {}),
                                         self.accepted[allocation.offering_uuid], self.module.params['allow_decrease'])
            for problem in allocation.plan.problems:
                allocation.fail(problem)
        if self.module.check_mode:
            if self.send_date:
                # The check is a POST; check mode sends none, so it cannot know and says so.
                self.module.warn('check mode: not verified that this server takes usage for the past month %s '
                                 '(Waldur 7.9 or later does; 7.0.7 does not)' % period_text(self.period))
        else:
            if self.send_date and any(a.plan.changed for a in self.pending()) and not self.server_takes_date():
                return ('period %s is a past month, but this server records usage only for its current month (%s): '
                        'it does not take a date (Waldur before 7.9, such as 7.0.7); nothing was sent'
                        % (period_text(self.period), period_text(self.current)))
            for allocation in self.pending():
                self.write(allocation)
        for allocation in self.pending():
            allocation.changed = allocation.plan.changed
            if not allocation.done_msg:
                allocation.done_msg = 'unchanged' if not allocation.changed else (
                    'would be reported (check mode)' if self.module.check_mode else 'reported')
        return None

    # ------------------------------------------------------------------ reads

    def read_allocations(self):
        """State and offering of each allocation: one detail read (single form) or one listing (bulk)."""
        pending = self.pending()
        if not pending:
            return
        if self.single:
            allocation = pending[0]
            try:
                found = {allocation.uuid: self.client.get(RESOURCES + allocation.uuid + '/',
                                                          params=[('field', f) for f in RESOURCE_FIELDS])}
            except PuhuriApiError as error:
                if error.status != 404:
                    raise
                found = {}
        else:
            narrow = dict((key, normalize_uuid(self.module.params[key])) for key in ('provider_uuid', 'offering_uuid')
                          if self.module.params[key] is not None)
            listed = self.client.list(RESOURCES, params=narrow, fields=RESOURCE_FIELDS + ['backend_id'])
            found = dict((normalize_uuid(r['uuid']), r) for r in listed)
            self.resolve_backend_ids(listed)
        reported = {}
        for allocation in self.pending():
            resource = found.get(allocation.uuid)
            if resource is None:
                self.unknown(allocation, 'not found, or this token cannot see it')
            elif resource.get('state') not in REPORTABLE_STATES:
                self.unknown(allocation, 'it is in state %s; usage can be reported only in state %s'
                             % (resource.get('state'), ', '.join(REPORTABLE_STATES)))
            elif allocation.uuid in reported:
                allocation.fail('it is the allocation of %s as well; give each allocation once, with all its components'
                                % reported[allocation.uuid].label)
            else:
                reported[allocation.uuid] = allocation
                allocation.name = resource.get('name')
                allocation.offering_uuid = normalize_uuid(resource['offering_uuid'])

    def resolve_backend_ids(self, listed):
        """The allocation of each backend_id item: the one listed allocation in a reportable state with that backend_id."""
        by_backend_id = {}
        for resource in listed:
            if resource.get('backend_id'):
                by_backend_id.setdefault(resource['backend_id'], []).append(resource)
        for allocation in self.pending():
            if allocation.backend_id is None:
                continue
            matches = by_backend_id.get(allocation.backend_id, [])
            reportable = [normalize_uuid(r['uuid']) for r in matches if r.get('state') in REPORTABLE_STATES]
            if len(reportable) == 1:
                allocation.uuid = reportable[0]
            elif reportable:
                allocation.fail('backend_id %r belongs to several allocations (%s); give the resource_uuid instead'
                                % (allocation.backend_id, ', '.join(reportable)))
            else:
                others = ''.join(' (%s is in state %s)' % (normalize_uuid(r['uuid']), r.get('state')) for r in matches)
                self.unknown(allocation, 'no allocation in state %s has backend_id %r%s'
                             % (', '.join(REPORTABLE_STATES), allocation.backend_id, others))

    def unknown(self, allocation, reason):
        """An allocation that cannot take usage: skipped with skip_unknown, else failed."""
        if self.module.params['skip_unknown']:
            allocation.skip(reason)
        else:
            allocation.fail(reason)

    def read_offering(self, allocation):
        """The offering's reportable component types (read once per offering); unknown types fail the allocation."""
        offering = allocation.offering_uuid
        if offering not in self.accepted:
            try:
                response = self.client.request('GET', OFFERINGS + offering + '/', params=[('field', 'uuid'), ('field', 'components')])
                self.accepted[offering] = allowed_types((response.json() or {}).get('components'))
                if self.server_now is None:
                    self.server_now = server_time(response.headers)
            except PuhuriApiError as error:
                self.accepted[offering] = error
            except ValueError:
                self.accepted[offering] = PuhuriApiError('GET', self.client.url_path(OFFERINGS + offering), 200,
                                                         'expected a JSON body')
        if isinstance(self.accepted[offering], PuhuriApiError):
            allocation.fail('the components of its offering could not be read: %s' % self.accepted[offering])

    def decide_period(self):
        """The month to report for; a problem text when it cannot be reported at all."""
        # Every HTTP server with a clock sends Date; without one, the controller's UTC clock stands in.
        current = month_of(self.server_now or datetime.datetime.now(datetime.timezone.utc))
        requested = parse_period(self.module.params['period']) if self.module.params['period'] is not None else current
        self.period = requested
        if requested > current:
            return 'period %s is in the future (the server\'s current month is %s)' % (period_text(requested), period_text(current))
        # A past month is sent with `date`; whether the server takes it is checked just before the first write.
        self.send_date = requested < current
        self.current = current
        return None

    def server_takes_date(self):
        """Whether set_usage reads `date`: send an invalid date and no usages, which no server can record.

        A server that knows `date` names it among the errors; an older one silently ignores it (and would record a
        real call into its current month), so only an error about `date` counts as support.
        """
        response = self.client.request('POST', SET_USAGE, body={'date': 'not-a-date'}, expected=(400,), retry_safe=True)
        try:
            errors = response.json()
        except ValueError:
            return False
        return isinstance(errors, dict) and 'date' in errors

    def read_recorded(self):
        """{resource uuid: {type: {amount, description}}} recorded for the period: one listing per offering (bulk)."""
        params = {'billing_period': billing_period(self.period)}
        if self.single:
            queries = [(dict(params, resource_uuid=self.pending()[0].uuid), self.pending())]
        else:
            by_offering = {}
            for allocation in self.pending():
                by_offering.setdefault(allocation.offering_uuid, []).append(allocation)
            queries = [(dict(params, offering_uuid=offering), members) for offering, members in by_offering.items()]
        recorded = {}
        for query, members in queries:
            try:
                rows = self.client.list(USAGES, params=query, fields=USAGE_FIELDS)
            except PuhuriApiError as error:
                for allocation in members:
                    allocation.fail('its recorded usage could not be read: %s' % error)
                continue
            wanted = set(a.uuid for a in members)
            recorded.update((uuid, usages) for uuid, usages in recorded_usages(rows).items() if uuid in wanted)
        return recorded

    # ------------------------------------------------------------------ write

    def write(self, allocation):
        plan = allocation.plan
        if not plan.changed:
            return
        body = {'resource': allocation.uuid, 'usages': plan.body_usages}
        if self.send_date:
            body['date'] = period_date(self.period)
        try:
            response = self.client.request('POST', SET_USAGE, body=body, expected=(201,), retry_safe=True)
        except PuhuriApiError as error:
            allocation.fail(str(error) + ('; the usage may or may not have been recorded: run the task again '
                                          '(it compares before it sends)' if error.uncertain else ''))
            return
        written_at = server_time(response.headers)
        if not self.send_date and written_at is not None and month_of(written_at) != self.period:
            # The server's month changed during the run: it recorded these totals into its new month.
            allocation.changed = True
            allocation.fail('the server\'s month changed to %(new)s during the task, so these totals meant for %(old)s were '
                            'recorded for %(new)s; correct %(new)s (with allow_decrease: true)'
                            % {'new': period_text(month_of(written_at)), 'old': period_text(self.period)})


def input_problems(params):
    problems = []
    if params['period'] is not None and parse_period(params['period']) is None:
        problems.append('period must be a month as YYYY-MM, e.g. 2026-11, got %r' % params['period'][:40])
    for key in ('provider_uuid', 'offering_uuid'):
        problem = uuid_problem(key, params[key])
        if problem:
            problems.append(problem)
    if params['allocations'] is not None:
        if not params['allocations']:
            problems.append('allocations is empty: give at least one {resource_uuid or backend_id, usages}')
        seen, twice = set(), []
        for index, item in enumerate(params['allocations']):
            if (item['resource_uuid'] is None) == (item['backend_id'] is None):
                problems.append('allocations[%d] needs exactly one of resource_uuid and backend_id' % index)
                continue
            if item['backend_id'] is not None and not item['backend_id'].strip():
                problems.append('allocations[%d].backend_id is empty' % index)
                continue
            given = item['backend_id'] if item['backend_id'] is not None else item['resource_uuid']
            key = ('backend_id', given) if item['backend_id'] is not None else ('uuid', normalize_uuid(given))
            if key in seen and given not in twice:
                twice.append(given)
            seen.add(key)
        if twice:
            problems.append('allocations lists these allocations more than once (give each once, with all its '
                            'components): %s' % ', '.join(twice))
    return problems


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            resource_uuid=dict(type='str'),
            usages=dict(type='raw'),
            allocations=dict(type='list', elements='dict', options=dict(
                resource_uuid=dict(type='str'),
                backend_id=dict(type='str'),
                usages=dict(type='raw', required=True),
                description=dict(type='str'),
            )),
            period=dict(type='str'),
            description=dict(type='str'),
            allow_decrease=dict(type='bool', default=False),
            provider_uuid=dict(type='str'),
            offering_uuid=dict(type='str'),
            skip_unknown=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('resource_uuid', 'allocations'), ('usages', 'allocations'),
                            ('resource_uuid', 'provider_uuid'), ('resource_uuid', 'offering_uuid')],
        required_one_of=[('resource_uuid', 'allocations')],
        required_together=[('resource_uuid', 'usages')],
        supports_check_mode=True,
    )
    params = module.params
    problems = input_problems(params)
    if problems:
        module.fail_json(msg='; '.join(problems), changed=False, results=[])
    single = params['allocations'] is None
    if single:
        allocations = [Allocation(params['resource_uuid'], params['usages'], params['description'])]
        if allocations[0].failed:
            module.fail_json(msg='; '.join(allocations[0].problems), changed=False, results=[allocations[0].result()])
    else:
        allocations = [Allocation(item['resource_uuid'], item['usages'],
                                  item['description'] if item['description'] is not None else params['description'],
                                  item['backend_id'])
                       for item in params['allocations']]

    client = client_from_module(module)
    report = UsageReport(module, client, allocations, single)
    try:
        stop = report.run()
    except PuhuriApiError as error:
        for allocation in report.pending():
            allocation.fail(str(error))
        fail_api(module, error, changed=any(a.changed for a in allocations), results=[a.result() for a in allocations])
    if stop:
        for allocation in report.pending():
            allocation.fail(stop)
    results = [a.result() for a in allocations]
    output = dict(changed=any(r['changed'] for r in results), results=results)
    if report.period:
        output['period'] = period_text(report.period)
    if single:
        output.update(before=results[0]['before'], after=results[0]['after'])
    if module._diff:
        output['diff'] = [{'before_header': '%s usage %s' % (r['resource_uuid'], output.get('period', '')),
                           'after_header': '%s usage %s' % (r['resource_uuid'], output.get('period', '')),
                           'before': r['before'], 'after': r['after']} for r in results if r['changed']]
    failed = [r for r in results if r['failed']]
    if failed:
        if single:
            module.fail_json(msg='allocation %s was not reported: %s' % (failed[0]['resource_uuid'], failed[0]['msg']), **output)
        module.fail_json(msg='%d of %d allocations were not reported%s: %s' % (
            len(failed), len(results), ' for %s' % output['period'] if 'period' in output else '',
            '; '.join('%s: %s' % (a.label, a.result()['msg']) for a in allocations if a.failed)), **output)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
