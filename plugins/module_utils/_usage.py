# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Usage reporting without HTTP: parse and check amounts as decimals, pick the month, plan one set_usage call.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid

# set_usage refuses every other resource state with {"resource": ["Resource is not in valid state."]}.
REPORTABLE_STATES = ('OK', 'Updating', 'Terminating')
# ... and every component of another billing type with "These components are invalid: ...".
REPORTABLE_BILLING_TYPES = ('usage', 'limit')
CENT = Decimal('0.01')
# The server's DecimalField: 20 digits in all, 2 of them decimals, so at most 18 before the point.
AMOUNT_LIMIT = Decimal(10) ** 18
NUMBER_RE = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')
PERIOD_RE = re.compile(r'^(\d{4})-(\d{2})$')
USAGE_ITEM_KEYS = ('type', 'amount', 'description')


def parse_number(value):
    """(Decimal, None) for a finite number >= 0, any number of decimals, else (None, what is wrong).

    An int, a float or a numeric string. A float is read through its shortest text form, so 12.3 is 12.3 and not
    12.2999999999999989... The one parser of amounts: parse_amount and _usage_rows.group_rows build on it.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None, 'must be a number, got %s' % type(value).__name__
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if not NUMBER_RE.match(text):
        return None, 'must be a number, got %r' % (value if not isinstance(value, str) else value[:40])
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - NUMBER_RE lets only valid decimals through
        return None, 'must be a number, got %r' % text[:40]
    if amount < 0:
        return None, 'must not be negative (the amount is the month-to-date total), got %s' % text
    return amount, None


def parse_amount(value):
    """(Decimal, None) for a valid month-to-date total, else (None, what is wrong).

    A number as parse_number takes it, at most 2 decimals and 18 digits before the point.
    """
    amount, problem = parse_number(value)
    if problem:
        return None, problem
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if amount >= AMOUNT_LIMIT:
        return None, 'must be below 10^18 (20 digits with 2 decimals), got %s' % text
    if amount != amount.quantize(CENT):
        return None, 'must have at most 2 decimals, got %s' % text
    return amount.quantize(CENT), None


def format_amount(amount):
    """'13.00': the server's own form of a decimal amount."""
    return str(amount.quantize(CENT))


def parse_usages(value, description=None):
    """The declared usages of one allocation: ({type: {'amount': Decimal, 'description': str or None}}, problems).

    value is a dict {type: amount} or a list of {type, amount, description}; `description` applies to components
    without their own. Problems are texts naming the component and what is allowed.
    """
    problems = []
    if isinstance(value, dict):
        items = [{'type': key, 'amount': amount} for key, amount in value.items()]
    elif isinstance(value, list):
        items = value
    else:
        return {}, ['usages must be a dict (component type: amount) or a list of {type, amount, description}, got %s'
                    % type(value).__name__]
    declared = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append('usages[%d] must be a dict with keys type, amount and optionally description' % index)
            continue
        unknown = sorted(str(key) for key in item if key not in USAGE_ITEM_KEYS)
        ctype = item.get('type')
        if unknown:
            problems.append('usages[%d] has unknown key(s) %s; allowed: %s' % (index, ', '.join(unknown), ', '.join(USAGE_ITEM_KEYS)))
            continue
        if not isinstance(ctype, str) or not ctype.strip():
            problems.append('usages[%d] needs a component type (type), e.g. cpu_k_hours' % index)
            continue
        ctype = ctype.strip()
        if ctype in declared:
            problems.append('component %s is given twice in usages' % ctype)
            continue
        if 'amount' not in item or item['amount'] is None:
            problems.append('component %s has no amount' % ctype)
            continue
        amount, problem = parse_amount(item['amount'])
        if problem:
            problems.append('amount of %s %s' % (ctype, problem))
            continue
        own = item.get('description')
        if own is not None and not isinstance(own, str):
            problems.append('description of %s must be a string' % ctype)
            continue
        text = own if own is not None else description
        # The server keeps descriptions stripped (DRF trims CharField input): compare and send them that way.
        declared[ctype] = {'amount': amount, 'description': text.strip() if isinstance(text, str) else text}
    if not declared and not problems:
        problems.append('usages is empty: give at least one component (an empty report would clear current_usages)')
    return declared, problems


def parse_period(text):
    """(year, month) for 'YYYY-MM', else None."""
    match = PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        return None
    return int(match.group(1)), int(match.group(2))


def period_text(period):
    return '%04d-%02d' % period


def billing_period(period):
    """The server's billing_period filter value: the first day of the month."""
    return '%04d-%02d-01' % period


def period_date(period):
    """The `date` sent for a past month: mid-month noon UTC, inside that month in every server time zone."""
    return '%04d-%02d-15T12:00:00Z' % period


def month_of(moment):
    utc = moment.astimezone(datetime.timezone.utc)
    return utc.year, utc.month


def server_time(headers):
    """The server's clock from an HTTP Date header (a dict-like), else None."""
    value = headers.get('Date') if headers else None
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def allowed_types(components):
    """The component types set_usage accepts for an offering: billing type usage or limit."""
    return sorted(c['type'] for c in components or [] if c.get('billing_type') in REPORTABLE_BILLING_TYPES and c.get('type'))


def recorded_usages(rows):
    """{resource_uuid: {type: {'amount': Decimal, 'description': str}}} from component-usage rows of one month.

    A plan switch during the month can leave two rows for one component; the latest report (`date`) wins, as it is
    the one the server updates.
    """
    latest = {}
    for row in rows:
        key = (normalize_uuid(str(row.get('resource_uuid', ''))), row.get('type'))
        if key in latest and str(latest[key].get('date') or '') >= str(row.get('date') or ''):
            continue
        latest[key] = row
    result = {}
    for (resource_uuid, ctype), row in latest.items():
        result.setdefault(resource_uuid, {})[ctype] = {'amount': Decimal(str(row.get('usage'))),
                                                       'description': row.get('description') or ''}
    return result


def amounts(usages):
    """{type: '13.00'} of {type: {'amount': Decimal, ...}}."""
    return dict((ctype, format_amount(item['amount'])) for ctype, item in sorted(usages.items()))


class Plan(object):
    """What to send for one allocation, and what it changes.

    before/after: {type: '13.00'}; diff: {type: {'before': '12.00' or None, 'after': '13.00'}} for each component whose
    value changes (plus 'description': {'before', 'after'} when only the description does); body_usages: the usages
    list of the set_usage call (every component recorded this month plus the declared ones), or None when nothing
    differs; problems: why nothing may be sent.
    """

    def __init__(self, before, after, diff, body_usages, problems):
        self.before = before
        self.after = after
        self.diff = diff
        self.body_usages = body_usages
        self.problems = problems

    @property
    def changed(self):
        return bool(self.diff)


def plan_usage(declared, recorded, accepted, allow_decrease=False):
    """Plan one allocation's set_usage call.

    declared: parse_usages() result; recorded: {type: {'amount', 'description'}} already stored for the month;
    accepted: the offering's reportable component types. Never lowers a recorded value unless allow_decrease.
    The call carries every component recorded this month, because set_usage replaces current_usages with exactly
    the components it is given.
    """
    before = amounts(recorded)
    problems = []
    unknown = sorted(ctype for ctype in declared if ctype not in accepted)
    if unknown:
        problems.append('unknown component type(s) %s; the offering accepts: %s'
                        % (', '.join(unknown), ', '.join(accepted) or 'none (no usage or limit components)'))
    lowered = ['%s %s -> %s' % (ctype, format_amount(recorded[ctype]['amount']), format_amount(item['amount']))
               for ctype, item in sorted(declared.items())
               if ctype in recorded and item['amount'] < recorded[ctype]['amount']]
    if lowered and not allow_decrease:
        problems.append('would lower the recorded month-to-date total of %s; set allow_decrease: true to lower it'
                        % ', '.join(lowered))
    if problems:
        return Plan(before, dict(before), {}, None, problems)

    # Components of the month that the offering no longer accepts cannot be sent; their rows stay on the server.
    merged = dict((ctype, dict(item)) for ctype, item in recorded.items() if ctype in accepted)
    diff = {}
    for ctype, item in declared.items():
        old = recorded.get(ctype)
        new = {'amount': item['amount'], 'description': item['description']}
        if new['description'] is None:
            new['description'] = old['description'] if old else None
        change = {}
        if old is None or old['amount'] != new['amount']:
            change.update(before=format_amount(old['amount']) if old else None, after=format_amount(new['amount']))
        if old is not None and new['description'] is not None and new['description'] != old['description']:
            change['description'] = {'before': old['description'], 'after': new['description']}
        if change:
            diff[ctype] = change
        merged[ctype] = new
    after = dict(before)
    after.update(amounts(merged))
    body = None
    if diff:
        body = []
        for ctype, item in sorted(merged.items()):
            usage = {'type': ctype, 'amount': format_amount(item['amount'])}
            if item['description'] is not None:
                usage['description'] = item['description']
            body.append(usage)
    return Plan(before, after, diff, body, [])


def parse_user_usages(value, declared):
    """The per-user usages of one allocation: ({username: {type: Decimal}}, problems).

    value: {username: {type: amount}} (None: no per-user usage); declared: parse_usages() result. Each component of a
    user must be declared for the allocation, and the users' sum of a component may not exceed its declared total.
    """
    if value is None:
        return {}, []
    if not isinstance(value, dict) or not value:
        return {}, ['users must be a non-empty dict of username: {component type: amount}, e.g. {alice: {cpu_k_hours: 2.5}}']
    problems, users, sums = [], {}, {}
    for username, usages in value.items():
        name = username.strip() if isinstance(username, str) else ''
        if not name:
            problems.append('users: a username must be a non-empty string, got %r' % (username,))
            continue
        if name in users:
            problems.append('users: %s is given twice' % name)
            continue
        if not isinstance(usages, dict) or not usages:
            problems.append('users.%s must be a non-empty dict of component type: amount' % name)
            continue
        users[name] = {}
        for ctype, raw in usages.items():
            ctype = str(ctype).strip()
            amount, problem = parse_amount(raw)
            if problem:
                problems.append('users.%s.%s %s' % (name, ctype, problem))
            elif ctype not in declared:
                problems.append('users.%s.%s: the allocation has no declared total of %s in usages (give it there; '
                                'the users\' usage is part of it)' % (name, ctype, ctype))
            else:
                users[name][ctype] = amount
                sums[ctype] = sums.get(ctype, Decimal(0)) + amount
    for ctype, total in sorted(sums.items()):
        if total > declared[ctype]['amount']:
            problems.append('the users\' usage of %s adds up to %s, more than the allocation\'s total %s'
                            % (ctype, format_amount(total), format_amount(declared[ctype]['amount'])))
    return users, problems


def user_amounts(users):
    """{username: {type: '2.50'}} of {username: {type: Decimal}}."""
    return dict((name, dict((ctype, format_amount(amount)) for ctype, amount in sorted(usages.items())))
                for name, usages in sorted(users.items()) if usages)


def plan_user_usages(users, held):
    """The per-user writes: [(type, username, Decimal)] for each declared value that differs from what is held.

    held: {(type, username): Decimal} recorded for the allocation's component usages of the month.
    """
    return [(ctype, name, amount) for name, usages in sorted(users.items()) for ctype, amount in sorted(usages.items())
            if held.get((ctype, name)) != amount]
