# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Component usage: POST set_usage and the usage list (waldur-api.md section 8).

One stored row per resource x component x billing period (first day of the month, UTC). A new report in the
same month overwrites the row; the resource's current_usages is replaced by the items of the last call.
Validation runs before the permission check, as in Waldur.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
from decimal import Decimal, InvalidOperation

from .common import (FilterErrors, apply_ordering, bad_request, empty_response, fmt_dt, forbidden, json_response, new_uuid, not_found,
                     paginate, parse_dt, parse_uuid, select_fields, type_name, uuid_from_url)
from .permissions import has_permission
from .store import ComponentUsage, ComponentUserUsage

VALID_RESOURCE_STATES = ('OK', 'Updating', 'Terminating')
MAX_DIGITS = 20
DECIMAL_PLACES = 2
CENT = Decimal('0.01')


def month_start(moment):
    return datetime.date(moment.year, moment.month, 1)


def parse_amount(value):
    """(Decimal, None) or (None, DRF DecimalField error) for max_digits=20, decimal_places=2."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None, 'A valid number is required.'
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, 'A valid number is required.'
    if not number.is_finite():
        return None, 'A valid number is required.'
    _sign, digits, exponent = number.as_tuple()
    if exponent >= 0:
        total, decimals = len(digits) + exponent, 0
    elif abs(exponent) > len(digits):
        total = decimals = abs(exponent)
    else:
        total, decimals = len(digits), abs(exponent)
    if total > MAX_DIGITS:
        return None, 'Ensure that there are no more than %d digits in total.' % MAX_DIGITS
    if decimals > DECIMAL_PLACES:
        return None, 'Ensure that there are no more than %d decimal places.' % DECIMAL_PLACES
    if total - decimals > MAX_DIGITS - DECIMAL_PLACES:
        return None, 'Ensure that there are no more than %d digits before the decimal point.' % (MAX_DIGITS - DECIMAL_PLACES)
    return number.quantize(CENT), None


def validate_items(usages):
    """The usage items, or (None, errors) as DRF's ListSerializer reports them."""
    if not isinstance(usages, list):
        return None, {'non_field_errors': ['Expected a list of items but got type "%s".' % type_name(usages)]}
    items, errors = [], []
    for raw in usages:
        if not isinstance(raw, dict):
            errors.append({'non_field_errors': ['Invalid data. Expected a dictionary, but got %s.' % type_name(raw)]})
            continue
        item_errors = {}
        if 'type' not in raw:
            item_errors['type'] = ['This field is required.']
        elif not isinstance(raw['type'], str) or not raw['type'].strip():
            item_errors['type'] = ['This field may not be blank.' if isinstance(raw['type'], str) else 'Not a valid string.']
        if 'amount' not in raw:
            item_errors['amount'] = ['This field is required.']
            amount = None
        else:
            amount, error = parse_amount(raw['amount'])
            if error:
                item_errors['amount'] = [error]
        description = raw.get('description', '')
        if description is not None and not isinstance(description, (str, int, float)):
            item_errors['description'] = ['Not a valid string.']
        recurring = raw.get('recurring', False)
        if not isinstance(recurring, bool):
            item_errors['recurring'] = ['Must be a valid boolean.']
        errors.append(item_errors)
        if not item_errors:
            items.append({'type': raw['type'].strip(), 'amount': amount, 'description': str(description or '').strip(), 'recurring': recurring})
    if any(errors):
        return None, errors
    return items, None


def set_usage(req):
    store = req.store
    body = req.json_object()
    errors = {}
    resource = None
    raw_resource = body.get('resource')
    if raw_resource not in (None, ''):
        key = parse_uuid(raw_resource)
        if key is None:
            errors['resource'] = ['\u201c%s\u201d is not a valid UUID.' % raw_resource]
        else:
            resource = store.resources.get(key)
            if resource is None:
                errors['resource'] = ['Object with uuid=%s does not exist.' % raw_resource]
    if body.get('plan_period') not in (None, ''):
        # one plan period per resource (resources.plan_periods); its uuid stands for the resource (RL707 #109)
        key = parse_uuid(body['plan_period'])
        found = [r for r in store.resources.values() if key and r.plan_period_uuid == key]
        if found:
            resource = found[0]
        else:
            errors['plan_period'] = ['Object with uuid=%s does not exist.' % body['plan_period']]
    if 'usages' not in body:
        errors['usages'] = ['This field is required.']
    elif body['usages'] is None:
        errors['usages'] = ['This field may not be null.']
    else:
        items, item_errors = validate_items(body['usages'])
        if item_errors:
            errors['usages'] = item_errors
    moment = store.now()
    if req.v8 and body.get('date') not in (None, ''):
        try:
            moment = parse_dt(body['date'])
        except (TypeError, ValueError):
            errors['date'] = ['Datetime has wrong format. Use one of these formats instead: '
                              'YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].']
    if errors:
        raise bad_request(errors)
    if resource is None:
        raise bad_request({'non_field_errors': ['Either plan_period or resource should be provided.']})
    if resource.state not in VALID_RESOURCE_STATES:
        raise bad_request({'resource': ['Resource is not in valid state.']})
    offering = store.offerings[resource.offering_uuid]
    valid_types = set(c.type for c in offering.components if c.billing_type in ('usage', 'limit'))
    invalid = sorted(set(item['type'] for item in items) - valid_types)
    if invalid:
        raise bad_request({'non_field_errors': ['These components are invalid: %s.' % ', '.join(invalid)]})
    if not has_permission(req, 'RESOURCE.SET_USAGE', customers=(offering.customer_uuid,), offerings=(offering.uuid,)):
        raise forbidden()
    period = month_start(moment)
    if req.v8:  # 8.x wraps the action in a transaction: check every item before saving any
        for item in items:
            check_limit(store, resource, offering.component(item['type']), item['amount'], period)
    for item in items:  # 7.0.7: not atomic, earlier items stay saved when a later one fails
        check_limit(store, resource, offering.component(item['type']), item['amount'], period)
        save_row(req, resource, item, moment, period)
    resource.current_usages = dict((item['type'], '%s' % item['amount']) for item in items)
    store.touch(resource)
    return empty_response(201)


def check_limit(store, resource, component, amount, period):
    """OfferingComponent.validate_amount: usage components with limit_period and limit_amount."""
    if component.billing_type != 'usage' or not component.limit_period or component.limit_amount is None:
        return
    rows = [r for r in store.usage_rows(resource).values() if r.type == component.type and r.billing_period != period]
    if component.limit_period == 'month':
        rows = []
    elif component.limit_period == 'annual':
        rows = [r for r in rows if r.billing_period.year == period.year]
    elif component.limit_period == 'quarterly':
        rows = [r for r in rows if r.billing_period.year == period.year and (r.billing_period.month - 1) // 3 == (period.month - 1) // 3]
    total = sum((r.usage for r in rows), Decimal(0)) + amount
    if total > Decimal(str(component.limit_amount)):
        raise bad_request(['Total amount exceeds limit. Total amount: %s, limit: %s.' % (total, component.limit_amount)])


def save_row(req, resource, item, moment, period):
    store = req.store
    rows = store.usages_by_resource.setdefault(resource.uuid, {})
    row = rows.get((item['type'], period))
    if row is None:
        row = ComponentUsage(uuid=new_uuid(), resource_uuid=resource.uuid, type=item['type'], billing_period=period, created=store.now())
        rows[(item['type'], period)] = row
        store.usages[row.uuid] = row
    row.usage = item['amount']
    row.date = moment
    row.description = item['description']
    row.recurring = item['recurring']
    row.modified_by = req.user.id


def serialize_usage(req, row):
    store = req.store
    resource = store.resources[row.resource_uuid]
    offering = store.offerings[resource.offering_uuid]
    project = store.projects[resource.project_uuid]
    customer = store.customers[project.customer_uuid]
    component = offering.component(row.type)
    return {
        'uuid': row.uuid, 'created': fmt_dt(row.created), 'description': row.description, 'type': row.type,
        'name': component.name if component else row.type, 'measured_unit': component.measured_unit if component else '',
        'usage': '%s' % row.usage, 'date': fmt_dt(row.date), 'recurring': row.recurring, 'resource_name': resource.name,
        'resource_uuid': resource.uuid, 'offering_name': offering.name, 'offering_uuid': offering.uuid, 'project_name': project.name,
        'project_uuid': project.uuid, 'customer_name': customer.name, 'customer_uuid': customer.uuid,
        'billing_period': row.billing_period.isoformat(), 'modified_by': row.modified_by,
    }


def list_usages(req):
    """Every authenticated user sees all rows in 7.0.7 (no permission filter); always filter by resource_uuid."""
    store = req.store
    errors = FilterErrors()
    resource = errors.uuid(req, 'resource_uuid')
    offering = errors.uuid(req, 'offering_uuid')
    project = errors.uuid(req, 'project_uuid')
    customer = errors.uuid(req, 'customer_uuid')
    date_after = errors.date(req, 'date_after')
    date_before = errors.date(req, 'date_before')
    period = errors.date(req, 'billing_period')
    ordering = errors.ordering(req, ('billing_period', 'usage')) if req.v8 else []
    errors.raise_if_any()
    if req.param('resource'):
        resource = uuid_from_url(req.param('resource'), 'marketplace-resources') or 'none'
    ctype = req.param('type')
    month = req.param('billing_period_month') if req.v8 else None
    year = req.param('billing_period_year') if req.v8 else None

    def keep(row):
        res = store.resources[row.resource_uuid]
        return ((not resource or row.resource_uuid == resource)
                and (not offering or res.offering_uuid == offering)
                and (not project or res.project_uuid == project)
                and (not customer or store.projects[res.project_uuid].customer_uuid == customer)
                and (ctype is None or row.type == ctype)
                and (date_after is None or row.date.date() >= date_after.date())
                and (date_before is None or row.date.date() <= date_before.date())
                and (period is None or row.billing_period == period.date())
                and (month is None or str(row.billing_period.month) == month.lstrip('0'))
                and (year is None or str(row.billing_period.year) == year))

    items = sorted((r for r in store.usages.values() if keep(r)), key=lambda r: r.type)
    items = sorted(items, key=lambda r: r.date, reverse=True)
    items = apply_ordering(items, ordering, {'billing_period': lambda r: r.billing_period, 'usage': lambda r: r.usage})
    return paginate(req, items, lambda r: select_fields(req, serialize_usage(req, r)))


def retrieve_usage(req, uuid):
    key = parse_uuid(uuid)
    row = req.store.usages.get(key) if key else None
    if row is None:
        raise not_found('ComponentUsage')
    return json_response(200, select_fields(req, serialize_usage(req, row)))


# ---------------------------------------------------------------- per-user usage (RL707 section 4)

def component_usage_url(req, row):
    return req.url('api/marketplace-component-usages/%s/' % row.uuid)


def get_usage_row(req, uuid):
    key = parse_uuid(uuid)
    row = req.store.usages.get(key) if key else None
    if row is None:
        raise not_found('ComponentUsage')
    return row


def validate_user_usage(req, raw):
    """(username, Decimal usage, offering user or None) of one set_user_usage item, or a 400 with DRF's errors."""
    errors = {}
    if not isinstance(raw, dict):
        raise bad_request({'non_field_errors': ['Invalid data. Expected a dictionary, but got %s.' % type_name(raw)]})
    username = raw.get('username')
    if username in (None, '') or not isinstance(username, str) or not username.strip():
        errors['username'] = ['This field is required.' if username in (None, '') else 'Not a valid string.']
    amount, error = parse_amount(raw.get('usage')) if 'usage' in raw else (None, 'This field is required.')
    if error:
        errors['usage'] = [error]
    offering_user = None
    if raw.get('user') not in (None, ''):
        offering_user = req.store.offering_users.get(uuid_from_url(raw['user'], 'marketplace-offering-users') or '')
        if offering_user is None:
            errors['user'] = ['Invalid hyperlink - Object does not exist.']
    if errors:
        raise bad_request(errors)
    return username.strip(), amount, offering_user


def save_user_usage(store, row, username, amount, offering_user):
    """One row per (component usage, username): the same username again overwrites it (RL707 #96-97). Any username is
    accepted, also one with no offering user (#101)."""
    now = store.now()
    for item in store.user_usages.values():
        if item.component_usage_uuid == row.uuid and item.username == username:
            break
    else:
        item = ComponentUserUsage(uuid=new_uuid(), component_usage_uuid=row.uuid, username=username, created=now)
        store.user_usages[item.uuid] = item
    item.usage = amount
    if offering_user is not None:
        item.offering_user_uuid = offering_user.uuid
    item.modified = now


def require_set_usage(req, row):
    """RESOURCE.SET_USAGE (owner, offering manager; a service-provider manager gets 403, RL707 #102-103), checked after
    the body as set_usage does."""
    offering = req.store.offerings[req.store.resources[row.resource_uuid].offering_uuid]
    if not has_permission(req, 'RESOURCE.SET_USAGE', customers=(offering.customer_uuid,), offerings=(offering.uuid,)):
        raise forbidden()


def set_user_usage(req, uuid):
    """POST marketplace-component-usages/<uuid>/set_user_usage/ {"username", "usage"[, "user": offering-user URL]}
    -> 201, empty body (RL707 #93-94)."""
    row = get_usage_row(req, uuid)
    username, amount, offering_user = validate_user_usage(req, req.json_object())
    require_set_usage(req, row)
    save_user_usage(req.store, row, username, amount, offering_user)
    return empty_response(201)


def set_user_usages(req, uuid):
    """8.x bulk form (OpenAPI 8.0.5 ComponentUserUsageBulkCreateRequest {"usages": [...]}); all items are checked
    before any is saved (inferred)."""
    row = get_usage_row(req, uuid)
    items = req.json_object().get('usages')
    if not isinstance(items, list):
        raise bad_request({'usages': ['This field is required.']})
    checked = [validate_user_usage(req, raw) for raw in items]
    require_set_usage(req, row)
    for username, amount, offering_user in checked:
        save_user_usage(req.store, row, username, amount, offering_user)
    return empty_response(201)


def serialize_user_usage(req, item):
    store = req.store
    row = store.usages[item.component_usage_uuid]
    data = serialize_usage(req, row)
    offering_user = store.offering_users.get(item.offering_user_uuid) if item.offering_user_uuid else None
    data.update({
        'uuid': item.uuid, 'username': item.username, 'usage': '%s' % item.usage, 'component_type': row.type,
        'user': req.url('api/marketplace-offering-users/%s/' % offering_user.uuid) if offering_user else None,
        'component_usage': component_usage_url(req, row), 'created': fmt_dt(item.created), 'modified': fmt_dt(item.modified),
        'backend_id': '',
    })
    for key in ('type', 'name', 'recurring', 'modified_by'):
        del data[key]
    return data


def list_user_usages(req):
    """marketplace-component-user-usages/: filters resource_uuid, offering_uuid, project_uuid, customer_uuid, type,
    username, component_usage__billing_period (RL707 #95-99); creation order."""
    store = req.store
    errors = FilterErrors()
    resource = errors.uuid(req, 'resource_uuid')
    offering = errors.uuid(req, 'offering_uuid')
    project = errors.uuid(req, 'project_uuid')
    customer = errors.uuid(req, 'customer_uuid')
    period = errors.date(req, 'component_usage__billing_period')
    errors.raise_if_any()
    ctype = req.param('type')
    username = req.param('username')

    def keep(item):
        row = store.usages[item.component_usage_uuid]
        res = store.resources[row.resource_uuid]
        return ((not resource or row.resource_uuid == resource) and (not offering or res.offering_uuid == offering)
                and (not project or res.project_uuid == project)
                and (not customer or store.projects[res.project_uuid].customer_uuid == customer)
                and (ctype is None or row.type == ctype) and (username is None or item.username == username)
                and (period is None or row.billing_period == period.date()))

    items = [item for item in store.user_usages.values() if keep(item)]
    return paginate(req, items, lambda item: select_fields(req, serialize_user_usage(req, item)))


def retrieve_user_usage(req, uuid):
    key = parse_uuid(uuid)
    item = req.store.user_usages.get(key) if key else None
    if item is None:
        raise not_found('ComponentUserUsage')
    return json_response(200, select_fields(req, serialize_user_usage(req, item)))


def routes(v8):
    """(method, path regex, handler) of this domain; 8.x adds the bulk set_user_usages."""
    table = [
        ('GET', r'^/api/marketplace-component-usages/$', list_usages),
        ('POST', r'^/api/marketplace-component-usages/set_usage/$', set_usage),
        ('GET', r'^/api/marketplace-component-usages/(?P<uuid>[^/]+)/$', retrieve_usage),
        ('POST', r'^/api/marketplace-component-usages/(?P<uuid>[^/]+)/set_user_usage/$', set_user_usage),
        ('GET', r'^/api/marketplace-component-user-usages/$', list_user_usages),
        ('GET', r'^/api/marketplace-component-user-usages/(?P<uuid>[^/]+)/$', retrieve_user_usage),
    ]
    if v8:
        table.append(('POST', r'^/api/marketplace-component-usages/(?P<uuid>[^/]+)/set_user_usages/$', set_user_usages))
    return table
