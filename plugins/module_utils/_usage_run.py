# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of puhuri_usage: read the allocations, their offerings' components and the recorded usage, plan
with _usage, and send set_usage where the totals differ.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
from decimal import Decimal

from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, client_from_module, fail_api, fail_bulk, read_src, uuid_problem,
)
from ansible_collections.puhuri.core.plugins.module_utils._parallel import each, parallel_problem
from ansible_collections.puhuri.core.plugins.module_utils._usage import (
    REPORTABLE_STATES, allowed_types, amounts, billing_period, format_amount, month_of, parse_period, parse_user_usages,
    parse_usages, period_date, period_text, plan_usage, plan_user_usages, recorded_usages, server_time, user_amounts,
)
from ansible_collections.puhuri.core.plugins.module_utils._usage_rows import UsageRowsError, group_rows, parse_rows
from ansible_collections.puhuri.core.plugins.module_utils._allocations import list_allocations

RESOURCES = 'marketplace-provider-resources/'
OFFERINGS = 'marketplace-provider-offerings/'
USAGES = 'marketplace-component-usages/'
SET_USAGE = USAGES + 'set_usage/'
RESOURCE_FIELDS = ['uuid', 'name', 'state', 'offering_uuid']
# The bulk and rows forms' one listing of the allocations (every state; the reportable ones are picked later).
LISTING_FIELDS = RESOURCE_FIELDS + ['backend_id']
USAGE_FIELDS = ['resource_uuid', 'type', 'usage', 'description', 'date']
USER_USAGES = 'marketplace-component-user-usages/'
USER_USAGE_FIELDS = ['component_usage', 'username', 'usage']


class Allocation(object):
    """One allocation of the task: what was declared, what the server holds, what was decided."""

    def __init__(self, resource_uuid, usages, description, backend_id=None, users=None, row_sums=None):
        self.resource_uuid = resource_uuid
        self.backend_id = backend_id
        self.uuid = normalize_uuid(resource_uuid) if isinstance(resource_uuid, str) else None
        problem = uuid_problem('resource_uuid', resource_uuid)
        self.declared, problems = parse_usages(usages, description)
        self.users, user_problems = parse_user_usages(users, self.declared) if not problems else ({}, [])
        self.problems = ([problem] if problem else []) + problems + user_problems
        self.row_sums = row_sums or {}  # {type: the unrounded sum of the rows}, from the role report_usage
        self.users_before = {}
        self.user_writes = []    # [(type, username, Decimal)] sent or, in check mode, that would be sent
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
        if self.users:
            after = dict((name, dict(usages)) for name, usages in user_amounts(self.users_before).items())
            if not failed:
                for ctype, name, amount in self.user_writes:
                    after.setdefault(name, {})[ctype] = format_amount(amount)
            result.update(users_before=user_amounts(self.users_before), users_after=after)
        if self.row_sums:
            result['row_sums'] = dict(self.row_sums)
        if self.name is not None:
            result['name'] = self.name
        return result


class UsageReport(object):
    """Read, plan and write the usage of a list of allocations (the single form is a list of one)."""

    def __init__(self, client, allocations, single, check_mode=False, period=None, allow_decrease=False,
                 skip_unknown=False, filters=None, warn=None, parallel=1, listed=None):
        self.client = client
        self.listed = listed              # the listing of the allocations, when the caller read it already
        self.parallel = parallel          # allocations whose usage is sent at the same time
        self.check_mode = check_mode
        self.requested_period = period    # 'YYYY-MM' or None: the server's current month
        self.allow_decrease = allow_decrease
        self.skip_unknown = skip_unknown
        self.filters = filters or {}      # provider_uuid / offering_uuid, normalised
        self.warn = warn or (lambda text: None)
        self.allocations = allocations
        self.single = single
        self.accepted = {}       # offering uuid -> reportable component types, or a PuhuriApiError
        self.server_now = None   # the server's clock, from the first offering read
        self.period = None
        self.current = None      # the server's current month
        self.send_date = False
        self.bulk_user_usages = None  # whether the server has set_user_usages (8.x): None until tried

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
                                         self.accepted[allocation.offering_uuid], self.allow_decrease)
            for problem in allocation.plan.problems:
                allocation.fail(problem)
        if self.check_mode:
            if self.send_date:
                # The check is a POST; check mode sends none, so it cannot know and says so.
                self.warn('check mode: not verified that this server takes usage for the past month %s '
                          '(Waldur 7.9 or later does; 7.0.7 does not)' % period_text(self.period))
        else:
            if self.send_date and any(a.plan.changed for a in self.pending()) and not self.server_takes_date():
                return ('period %s is a past month, but this server records usage only for its current month (%s): '
                        'it does not take a date (Waldur before 7.9, such as 7.0.7); nothing was sent'
                        % (period_text(self.period), period_text(self.current)))
            each(self.client, [a for a in self.pending() if a.plan.changed], self.write, self.parallel)
        for allocation in self.pending():
            if allocation.users:
                self.report_users(allocation)
        for allocation in self.pending():
            allocation.changed = allocation.plan.changed or bool(allocation.user_writes)
            if not allocation.done_msg:
                allocation.done_msg = 'unchanged' if not allocation.changed else (
                    'would be reported (check mode)' if self.check_mode else 'reported')
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
            listed = self.listed if self.listed is not None else list_allocations(self.client, self.filters, LISTING_FIELDS, self.parallel)
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
        if self.skip_unknown:
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
        requested = parse_period(self.requested_period) if self.requested_period is not None else current
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
                rows = self.client.list(USAGES, params=query, fields=USAGE_FIELDS, parallel=self.parallel)
            except PuhuriApiError as error:
                for allocation in members:
                    allocation.fail('its recorded usage could not be read: %s' % error)
                continue
            wanted = set(a.uuid for a in members)
            recorded.update((uuid, usages) for uuid, usages in recorded_usages(rows).items() if uuid in wanted)
        return recorded

    # ------------------------------------------------------------------ write

    def write(self, client, allocation):
        """set_usage for one allocation whose totals differ, with client (one worker's)."""
        plan = allocation.plan
        body = {'resource': allocation.uuid, 'usages': plan.body_usages}
        if self.send_date:
            body['date'] = period_date(self.period)
        try:
            response = client.request('POST', SET_USAGE, body=body, expected=(201,), retry_safe=True)
        except PuhuriApiError as error:
            if error.uncertain:
                self.read_back(client, allocation, error)
            else:
                allocation.fail(str(error))
            return
        if self.send_date:
            self.confirm_past_month(client, allocation)
            return
        written_at = server_time(response.headers)
        if written_at is not None and month_of(written_at) != self.period:
            # The server's month changed during the run: it recorded these totals into its new month.
            allocation.changed = True
            allocation.fail('the server\'s month changed to %(new)s during the task, so these totals meant for %(old)s were '
                            'recorded for %(new)s; correct %(new)s (with allow_decrease: true)'
                            % {'new': period_text(month_of(written_at)), 'old': period_text(self.period)})

    def held(self, client, allocation):
        """{type: '13.00'} the server holds for the allocation and the period, read again (with the worker's client)."""
        rows = client.list(USAGES, params={'billing_period': billing_period(self.period),
                                           'resource_uuid': allocation.uuid}, fields=USAGE_FIELDS)
        return amounts(recorded_usages(rows).get(allocation.uuid, {}))

    def confirm_past_month(self, client, allocation):
        """After a set_usage with `date`: read the month back, so the result says what the server recorded there."""
        try:
            held = self.held(client, allocation)
        except PuhuriApiError as error:
            allocation.fail('reported for the past month %s, but reading it back failed: %s' % (period_text(self.period), error))
            return
        if any(held.get(ctype) != amount for ctype, amount in allocation.plan.after.items()):
            allocation.fail('sent for the past month %s with date, but read back the month holds %s' % (
                period_text(self.period), ', '.join('%s %s' % item for item in sorted(held.items())) or 'no usage'))
            return
        allocation.done_msg = 'reported for the past month %s (sent with date; read back from the server)' % period_text(self.period)

    def report_users(self, allocation):
        """After set_usage: the per-user usage of each user whose value differs from component-user-usages."""
        period = billing_period(self.period)
        try:
            rows = self.client.list(USAGES, params={'billing_period': period, 'resource_uuid': allocation.uuid},
                                    fields=['uuid', 'type', 'date'])
            held_rows = self.client.list(USER_USAGES, params={'resource_uuid': allocation.uuid,
                                                              'component_usage__billing_period': period},
                                         fields=USER_USAGE_FIELDS)
        except PuhuriApiError as error:
            allocation.changed = allocation.plan.changed  # its set_usage was sent (or, in check mode, would be)
            allocation.fail('its per-user usage could not be read: %s' % error)
            return
        # The month's component usage of each type: the latest row (see recorded_usages), which set_usage updates.
        row_of = {}
        for row in sorted(rows, key=lambda r: str(r.get('date') or '')):
            row_of[row['type']] = normalize_uuid(row['uuid'])
        type_of = dict((uuid, ctype) for ctype, uuid in row_of.items())
        held = {}
        for item in held_rows:
            row_uuid = normalize_uuid(str(item.get('component_usage') or '').rstrip('/').rsplit('/', 1)[-1])
            if row_uuid in type_of:
                held[(type_of[row_uuid], item.get('username'))] = Decimal(str(item.get('usage')))
        allocation.users_before = dict(
            (name, dict((ctype, held[(ctype, name)]) for ctype in usages if (ctype, name) in held))
            for name, usages in allocation.users.items())
        allocation.user_writes = plan_user_usages(allocation.users, held)
        if self.check_mode:
            return
        by_type = {}
        for ctype, name, amount in allocation.user_writes:
            by_type.setdefault(ctype, []).append({'username': name, 'usage': format_amount(amount)})
        for ctype, items in sorted(by_type.items()):
            if ctype not in row_of:
                allocation.changed = allocation.plan.changed
                allocation.fail('the server holds no usage of %s for %s to attach the users\' usage to'
                                % (ctype, period_text(self.period)))
                continue
            try:
                self.send_user_usages(row_of[ctype], items)
            except PuhuriApiError as error:
                allocation.changed = True  # set_usage or earlier users may have been written; never claim nothing was
                allocation.fail('per-user usage of %s: %s' % (ctype, error))

    def send_user_usages(self, row_uuid, items):
        """The users' values of one component usage: 8.x set_user_usages in one call where the server has it, else
        set_user_usage per user. Both overwrite per username, so re-sending after a lost answer is safe."""
        path = USAGES + row_uuid + '/'
        if len(items) > 1 and self.bulk_user_usages is not False:
            try:
                self.client.request('POST', path + 'set_user_usages/', body={'usages': items}, expected=(201,),
                                    retry_safe=True)
                self.bulk_user_usages = True
                return
            except PuhuriApiError as error:
                if error.status != 404 or self.bulk_user_usages:
                    raise
                self.bulk_user_usages = False  # 7.0.7: no bulk action (HTML 404)
        for item in items:
            self.client.request('POST', path + 'set_user_usage/', body=item, expected=(201,), retry_safe=True)

    def read_back(self, client, allocation, error):
        """After a set_usage whose answer was lost: what the server holds decides `changed` and whether it failed."""
        try:
            held = self.held(client, allocation)
        except PuhuriApiError as read_error:
            allocation.changed = True  # the write may have landed; never claim it did not
            allocation.fail('%s; reading the usage back failed too (%s): it may or may not have been recorded, run the '
                            'task again (it compares before it sends)' % (error, read_error))
            return
        if all(held.get(ctype) == amount for ctype, amount in allocation.plan.after.items()):
            allocation.done_msg = 'reported (the answer to set_usage was lost: %s; read back, the server holds it)' % error
            return
        allocation.changed = held != allocation.plan.before
        allocation.fail('%s; read back, the server holds %s, not the declared totals' % (
            error, ', '.join('%s %s' % item for item in sorted(held.items())) or 'no usage for the month'))


def input_problems(params):
    problems = []
    if params['period'] is not None and parse_period(params['period']) is None:
        problems.append('period must be a month as YYYY-MM, e.g. 2026-11, got %r' % params['period'][:40])
    for problem in [uuid_problem(key, params[key]) for key in ('provider_uuid', 'offering_uuid')] + [parallel_problem(params['parallel'])]:
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


def diff_entry(result, period):
    """One allocation's --diff: its totals (and users' usage) before and after; rounded row sums named in the header."""
    header = '%s usage %s' % (result['resource_uuid'], period)
    rounded = ['%s %s -> %s' % (ctype, raw, result['after'].get(ctype)) for ctype, raw in sorted(result.get('row_sums', {}).items())
               if result['after'].get(ctype) is not None and Decimal(raw) != Decimal(result['after'][ctype])]
    entry = {'before_header': header, 'before': dict(result['before']), 'after': dict(result['after']),
             'after_header': header + (' (rows added up and rounded once, half up: %s)' % ', '.join(rounded) if rounded else '')}
    if 'users_after' in result:
        entry['before']['users'] = result['users_before']
        entry['after']['users'] = result['users_after']
    return entry


MODULE_SKIP_HINT = ('rows of accounts that are not Puhuri allocations can be skipped (skip_unknown: true; in the role '
                    'puhuri.core.report_usage, puhuri_usage_unknown: skip)')


def read_rows(module, output):
    """The rows of the task: those of rows, then those of the file src (read on the host the module runs on)."""
    params = module.params
    rows = list(params['rows'] or [])
    text = read_src(module, results=[], **output)
    if text is None:
        return rows
    try:
        rows.extend(parse_rows(text, params['format'], params['csv_delimiter'], params['src']))
    except UsageRowsError as error:
        module.fail_json(msg=str(error), changed=False, results=[], **output)
    return rows


def skipped_results(skipped_rows):
    """One skipped result per account of the rows skipped with skip_unknown, in the order of first appearance."""
    accounts = {}
    for row in skipped_rows:
        backend_id = str(row.get('backend_id') or '').strip()
        key = ('backend_id', backend_id) if backend_id else ('resource_uuid', normalize_uuid(str(row['uuid']).strip()))
        accounts.setdefault(key, []).append(row['source'])
    results = []
    for (key, value), sources in accounts.items():
        what = 'backend_id %r' % value if key == 'backend_id' else 'uuid %s' % value
        result = dict(resource_uuid=value if key == 'resource_uuid' else None, changed=False, before={}, after={}, diff={},
                      failed=False, skipped=True, msg='skipped: %s is not one of the allocations usage can be reported '
                      'for (%s)' % (what, ', '.join(sources)))
        if key == 'backend_id':
            result['backend_id'] = value
        results.append(result)
    return results


def rows_allocations(module, client, filters, rows, output):
    """The rows form: the one listing of the allocations, and the rows grouped with it, every problem before any
    write. Returns (the allocations, the listing, the results of the skipped accounts)."""
    params = module.params
    try:
        listed = list_allocations(client, filters, LISTING_FIELDS, params['parallel'])
    except PuhuriApiError as error:
        fail_api(module, error, changed=False, results=[], **output)
    reportable = [r for r in listed if r.get('state') in REPORTABLE_STATES]
    grouped, problems = group_rows(rows, reportable, 'skip' if params['skip_unknown'] else 'fail', name='rows',
                                   skip_hint=MODULE_SKIP_HINT)
    if problems:
        module.fail_json(msg='usage rows: ' + '; '.join(problems), changed=False, results=[], **output)
    allocations = [Allocation(item['resource_uuid'], item['usages'], params['description'], users=item.get('users'),
                              row_sums=item.get('row_sums')) for item in grouped['allocations']]
    output['skipped_rows'] = [row['source'] for row in grouped['skipped']]
    return allocations, listed, skipped_results(grouped['skipped'])


def run_module(module):
    """The whole task for the module's parameters: validate, run, and exit or fail the module."""
    params = module.params
    problems = input_problems(params)
    if problems:
        module.fail_json(msg='; '.join(problems), changed=False, results=[])
    rows_form = params['rows'] is not None or params['src'] is not None
    single = not rows_form and params['allocations'] is None
    filters = dict((key, normalize_uuid(params[key])) for key in ('provider_uuid', 'offering_uuid') if params[key] is not None)
    output, listed, skipped = {}, None, []
    if rows_form:
        # The rows are N-sized: the invocation names their number instead of returning them all again.
        output['invocation'] = {'module_args': dict(params, rows='(%d rows)' % len(params['rows'] or []))}
        rows = read_rows(module, output)
        if not rows:
            module.exit_json(changed=False, results=[], unchanged=0, skipped_rows=[], msg='no usage rows: nothing to report',
                             **output)
        client = client_from_module(module)
        allocations, listed, skipped = rows_allocations(module, client, filters, rows, output)
    elif single:
        allocations = [Allocation(params['resource_uuid'], params['usages'], params['description'], users=params['users'])]
        if allocations[0].failed:
            module.fail_json(msg='; '.join(allocations[0].problems), changed=False, results=[allocations[0].result()])
        client = client_from_module(module)
    else:
        allocations = [Allocation(item['resource_uuid'], item['usages'],
                                  item['description'] if item['description'] is not None else params['description'],
                                  item['backend_id'], users=item['users'], row_sums=item['row_sums'])
                       for item in params['allocations']]
        client = client_from_module(module)

    report = UsageReport(client, allocations, single, check_mode=module.check_mode, period=params['period'],
                         allow_decrease=params['allow_decrease'], skip_unknown=params['skip_unknown'], filters=filters,
                         warn=module.warn, parallel=params['parallel'], listed=listed)
    try:
        stop = report.run()
    except PuhuriApiError as error:
        for allocation in report.pending():
            allocation.fail(str(error))
        fail_api(module, error, **dict(output, changed=any(a.changed for a in allocations),
                                       results=[a.result() for a in allocations]))
    if stop:
        for allocation in report.pending():
            allocation.fail(stop)
    results = [a.result() for a in allocations]
    output.update(changed=any(r['changed'] for r in results), results=results)
    if report.period:
        output['period'] = period_text(report.period)
    if single:
        output.update(before=results[0]['before'], after=results[0]['after'])
    if module._diff:
        output['diff'] = [diff_entry(r, output.get('period', '')) for r in results if r['changed']]
    if rows_form:
        # Only what changed, failed or was skipped is returned (the summary and the run record need no more); the
        # unchanged allocations are counted.
        shown = [r for r in results if r['changed'] or r['failed']]
        output.update(results=shown + skipped, unchanged=len(results) - len(shown))
    failed = [r for r in results if r['failed']]
    if failed:
        if single:
            module.fail_json(msg='allocation %s was not reported: %s' % (failed[0]['resource_uuid'], failed[0]['msg']), **output)
        fail_bulk(module, [(a.label, a.result()['msg']) for a in allocations if a.failed], len(results),
                  'were not reported' + (' for %s' % output['period'] if 'period' in output else ''), **output)
    module.exit_json(**output)
