# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""/api/marketplace-orders/: create (consumer), list, read and the provider actions (waldur-api.md section 9).

Semantics: Marketplace.Basic orders finish on approval; Marketplace.Slurm orders stay `executing` until
set_state_done / set_state_erred. Rejecting a Create order terminates its resource.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from decimal import Decimal

from .common import (ApiError, FilterErrors, apply_ordering, bad_request, conflict, empty_response, fmt_dt, forbidden, json_response,
                     not_found, offering_url, paginate, parse_uuid, plan_url, select_fields, server_error, uuid_from_url)
from .permissions import can_see_order, can_see_project, has_permission
from .store import ALLOCATION_OK, ALLOCATION_UPDATE_SCHEDULED, ORDER_STATES, ORDER_TYPES

SLURM = 'Marketplace.Slurm'
BASIC = 'Marketplace.Basic'

ORDER_KEYS_707 = (
    'offering', 'offering_name', 'offering_uuid', 'offering_description', 'offering_image', 'offering_thumbnail', 'offering_type',
    'offering_terms_of_service', 'offering_shared', 'offering_billable', 'offering_plugin_options', 'provider_name', 'provider_uuid',
    'category_title', 'category_uuid', 'category_icon', 'plan', 'plan_unit', 'plan_name', 'plan_uuid', 'plan_description', 'attributes',
    'limits', 'uuid', 'created', 'modified', 'resource_uuid', 'resource_type', 'resource_name', 'cost', 'state', 'output',
    'marketplace_resource_uuid', 'error_message', 'callback_url', 'request_comment', 'attachment', 'type', 'url', 'consumer_reviewed_by',
    'consumer_reviewed_by_full_name', 'consumer_reviewed_by_username', 'consumer_reviewed_at', 'provider_reviewed_by',
    'provider_reviewed_by_full_name', 'provider_reviewed_by_username', 'provider_reviewed_at', 'created_by_username',
    'created_by_full_name', 'created_by_civil_number', 'customer_name', 'customer_uuid', 'project_name', 'project_uuid',
    'project_description', 'old_plan_name', 'new_plan_name', 'old_plan_uuid', 'new_plan_uuid', 'old_cost_estimate', 'new_cost_estimate',
    'can_terminate', 'fixed_price', 'activation_price', 'termination_comment', 'backend_id')

# Keys the 8.0.5 OrderDetails schema adds; it drops offering_terms_of_service.
ORDER_KEYS_8X_EXTRA = (
    'provider_slug', 'error_traceback', 'completed_at', 'start_date', 'slug', 'created_by_email', 'created_by_organization',
    'created_by_organization_registry_code', 'customer_slug', 'project_slug', 'order_subtype', 'provider_message',
    'provider_message_url', 'provider_message_attachment', 'consumer_message', 'consumer_message_attachment',
    'consumer_rejection_comment', 'provider_rejection_comment', 'issue')

APPROVED_8X = {'detail': 'Order has been approved and is being processed.'}
PLAN_ORDER_TYPES = ('Create', 'Update')  # orders that carry new_plan_* (RL707 #2; a Terminate has none, #43)


def order_cost(store, order):
    offering = store.offerings[order.offering_uuid]
    plan = offering.plan(order.plan_uuid)
    total = Decimal(0)
    for ctype, amount in (order.limits or {}).items():
        price = (plan.prices if plan else {}).get(ctype)
        if price is not None and isinstance(amount, (int, float)):
            total += Decimal(str(price)) * Decimal(str(amount))
    return '%.10f' % total


def serialize_order(req, order):
    """The OrderDetails object of the emulated version."""
    store = req.store
    offering = store.offerings[order.offering_uuid]
    provider = store.customers[offering.customer_uuid]
    category = store.categories.get(offering.category_uuid)
    plan = offering.plan(order.plan_uuid)
    project = store.projects[order.project_uuid]
    customer = store.customers[project.customer_uuid]
    resource = store.resources.get(order.resource_uuid)
    creator = store.users.get(order.created_by_uuid)
    consumer_reviewer = store.users.get(order.consumer_reviewed_by_uuid)
    provider_reviewer = store.users.get(order.provider_reviewed_by_uuid)
    cost = order_cost(store, order)
    data = {
        'offering': offering_url(req, offering.uuid), 'offering_name': offering.name, 'offering_uuid': offering.uuid,
        'offering_description': offering.description, 'offering_image': None, 'offering_thumbnail': None, 'offering_type': offering.type,
        'offering_terms_of_service': offering.terms_of_service, 'offering_shared': offering.shared, 'offering_billable': offering.billable,
        'offering_plugin_options': offering.plugin_options, 'provider_name': provider.name, 'provider_uuid': provider.uuid,
        'category_title': category.title if category else None, 'category_uuid': category.uuid if category else None,
        'category_icon': None, 'plan': plan_url(req, offering.uuid, plan.uuid) if plan else None, 'plan_unit': plan.unit if plan else None,
        'plan_name': plan.name if plan else None, 'plan_uuid': plan.uuid if plan else None,
        'plan_description': plan.description if plan else None, 'attributes': order.attributes, 'limits': order.limits,
        'uuid': order.uuid, 'created': fmt_dt(order.created), 'modified': fmt_dt(order.modified), 'resource_uuid': None,
        'resource_type': None, 'resource_name': resource.name if resource else None, 'cost': cost, 'state': order.state, 'output': '',
        'marketplace_resource_uuid': order.resource_uuid, 'error_message': order.error_message, 'callback_url': order.callback_url,
        'request_comment': order.request_comment, 'attachment': None, 'type': order.type,
        'url': req.url('api/marketplace-orders/%s/' % order.uuid),
        'consumer_reviewed_by': consumer_reviewer.username if consumer_reviewer else None,  # a username (RL707 #149)
        'consumer_reviewed_by_full_name': consumer_reviewer.full_name if consumer_reviewer else None,
        'consumer_reviewed_by_username': consumer_reviewer.username if consumer_reviewer else None,
        'consumer_reviewed_at': fmt_dt(order.consumer_reviewed_at),
        'provider_reviewed_by': provider_reviewer.username if provider_reviewer else None,  # a username (RL707 #21)
        'provider_reviewed_by_full_name': provider_reviewer.full_name if provider_reviewer else None,
        'provider_reviewed_by_username': provider_reviewer.username if provider_reviewer else None,
        'provider_reviewed_at': fmt_dt(order.provider_reviewed_at),
        'created_by_username': creator.username if creator else None, 'created_by_full_name': creator.full_name if creator else None,
        'created_by_civil_number': None, 'customer_name': customer.name, 'customer_uuid': customer.uuid, 'project_name': project.name,
        'project_uuid': project.uuid, 'project_description': project.description, 'old_plan_name': None,
        'new_plan_name': plan.name if plan and order.type in PLAN_ORDER_TYPES else None, 'old_plan_uuid': None,
        'new_plan_uuid': plan.uuid if plan and order.type in PLAN_ORDER_TYPES else None, 'old_cost_estimate': None,
        'new_cost_estimate': cost if order.type in PLAN_ORDER_TYPES else None, 'can_terminate': False, 'fixed_price': 0, 'activation_price': 0,
        'termination_comment': None, 'backend_id': order.backend_id,
    }
    if not req.v8:
        del data['provider_reviewed_by_username']  # not a 7.0.7 field (R707 #35, RL707 #21)
        return data
    data['provider_reviewed_by_username'] = data['provider_reviewed_by']
    del data['offering_terms_of_service']
    data.update({
        'provider_slug': provider.slug, 'error_traceback': order.error_traceback, 'completed_at': fmt_dt(order.completed_at),
        'start_date': None, 'slug': 'order-%s' % order.uuid[:8], 'created_by_email': creator.email if creator else None,
        'created_by_organization': None, 'created_by_organization_registry_code': None, 'customer_slug': customer.slug,
        'project_slug': project.slug, 'order_subtype': None, 'provider_message': '', 'provider_message_url': '',
        'provider_message_attachment': None, 'consumer_message': '', 'consumer_message_attachment': None,
        'consumer_rejection_comment': '', 'provider_rejection_comment': order.provider_rejection_comment, 'issue': None,
    })
    return data


# ---------------------------------------------------------------- state changes shared with other domains

def complete_order(store, order):
    """set_state_done semantics: the order is done and its result is applied to the resource."""
    now = store.now()
    order.state = 'done'
    order.completed_at = now
    order.modified = now
    resource = store.resources[order.resource_uuid]
    if order.type == 'Terminate':
        resource.state = 'Terminated'
    else:
        if order.type == 'Update':
            resource.plan_uuid = order.plan_uuid
            if order.limits:
                resource.limits = dict(order.limits)
        resource.state = 'OK'
    store.touch(resource)


def fail_order(store, order, message, traceback):
    """set_state_erred semantics, including the 7.0.7 trap: a pending order keeps its state."""
    order.error_message = message
    order.error_traceback = traceback
    if order.state == 'executing':
        order.state = 'erred'
    store.touch(order)
    resource = store.resources[order.resource_uuid]
    resource.state = 'OK' if order.type == 'Terminate' else 'Erred'
    store.touch(resource)


def start_processing(store, order):
    """What happens after approval: Basic (and other non-agent types) finish at once, Slurm waits for the agent."""
    offering = store.offerings[order.offering_uuid]
    resource = store.resources[order.resource_uuid]
    if offering.type != SLURM:
        complete_order(store, order)
        return
    if order.type == 'Terminate':
        resource.state = 'Terminating'
        store.touch(resource)
    elif order.type == 'Update' and order.switches_plan:
        complete_order(store, order)  # a plan switch finishes on approval, also on Slurm (RL707 #39-41)
    elif order.type == 'Update':
        schedule_updating(store, order, resource)


def schedule_updating(store, order, resource):
    """The Slurm Update trap (RL707 #5-16, #23-26): the processor moves the SLURM allocation from OK to Update Scheduled;
    from any other allocation state the transition fails and the order errs at once, the resource staying as it was.
    A finished Update leaves the allocation Update Scheduled, so the next one needs set_state {"state": "ok"} again."""
    if resource.allocation_state != ALLOCATION_OK:
        order.state = 'erred'
        order.error_message = "Can't switch from state '%s' using method 'schedule_updating'" % resource.allocation_state
        store.touch(order)
        return
    resource.allocation_state = ALLOCATION_UPDATE_SCHEDULED
    resource.state = 'Updating'
    store.touch(resource)


# ---------------------------------------------------------------- list / detail

def get_order(req, uuid):
    """404 unless the order exists and is in the caller's queryset."""
    key = parse_uuid(uuid)
    order = req.store.orders.get(key) if key else None
    if order is None or not can_see_order(req, order):
        raise not_found('Order')
    return order


def list_orders(req):
    store = req.store
    errors = FilterErrors()
    provider = errors.uuid(req, 'provider_uuid')
    offering = errors.uuid(req, 'offering_uuid', many=req.v8)
    project = errors.uuid(req, 'project_uuid')
    customer = errors.uuid(req, 'customer_uuid')
    category = errors.uuid(req, 'category_uuid')
    resource = errors.uuid(req, 'resource_uuid')
    resource_url = req.param('resource')
    states = errors.choices(req, 'state', ORDER_STATES if req.v8 else [s for s in ORDER_STATES if s != 'pending-start-date'])
    types = errors.choices(req, 'type', ORDER_TYPES if req.v8 else ORDER_TYPES[:3])
    offering_types = req.params('offering_type')
    created = errors.datetime(req, 'created')
    modified = errors.datetime(req, 'modified')
    ordering = errors.ordering(req, ('created', 'consumer_reviewed_at', 'cost', 'state'))
    errors.raise_if_any()
    if resource_url:
        resource = uuid_from_url(resource_url, 'marketplace-resources') or 'none'
    can_approve = (req.param('can_approve_as_provider') or '').lower() in ('true', '1')
    if isinstance(offering, str):
        offering = [offering]

    def keep(order):
        off = store.offerings[order.offering_uuid]
        return ((not provider or off.customer_uuid == provider)
                and (not offering or order.offering_uuid in offering)
                and (not project or order.project_uuid == project)
                and (not customer or store.projects[order.project_uuid].customer_uuid == customer)
                and (not category or off.category_uuid == category)
                and (not resource or order.resource_uuid == resource)
                and (not states or order.state in states)
                and (not types or order.type in types)
                and (not offering_types or off.type in offering_types)
                and (created is None or order.created >= created)
                and (modified is None or order.modified >= modified)
                and (not can_approve or (order.state == 'pending-provider'
                                         and has_permission(req, 'ORDER.APPROVE', customers=(off.customer_uuid,))))
                and can_see_order(req, order))

    items = [o for o in store.orders.values() if keep(o)]
    items = apply_ordering(items, ordering, {
        'created': lambda o: o.created, 'consumer_reviewed_at': lambda o: o.consumer_reviewed_at,
        'cost': lambda o: Decimal(order_cost(store, o)), 'state': lambda o: o.state})
    return paginate(req, items, lambda o: select_fields(req, serialize_order(req, o)))


def retrieve_order(req, uuid):
    return json_response(200, select_fields(req, serialize_order(req, get_order(req, uuid))))


# ---------------------------------------------------------------- create (consumer side)

def create_order(req):
    store = req.store
    body = req.json_object()
    errors = {}
    offering = project = None
    for field, collection in (('offering', 'marketplace-public-offerings'), ('project', 'projects')):
        if body.get(field) in (None, ''):
            errors[field] = ['This field is required.' if field not in body else 'This field may not be null.']
            continue
        key = uuid_from_url(body[field], collection)
        found = (store.offerings if field == 'offering' else store.projects).get(key)
        if found is not None and field == 'project' and not can_see_project(req, found):
            found = None
        if found is None:
            errors[field] = ['Invalid hyperlink - Object does not exist.']
        elif field == 'offering':
            offering = found
        else:
            project = found
    attributes = body.get('attributes', {})
    if not isinstance(attributes, dict):
        errors['attributes'] = ['Value must be valid JSON.']
    limits = body.get('limits', {}) or {}
    if not isinstance(limits, dict):
        errors['limits'] = ['Expected a dictionary of items but got type "%s".' % type(limits).__name__]
    order_type = body.get('type', 'Create')
    if order_type != 'Create':
        errors['type'] = ['Only Create orders are accepted here; use the resource actions for other types.']
    if errors:
        raise bad_request(errors)
    plan = None
    if body.get('plan'):
        plan = offering.plan(uuid_from_url(body['plan'], 'marketplace-public-offerings/%s/plans' % offering.uuid))
        if plan is None:
            raise bad_request({'plan': ['Invalid hyperlink - Object does not exist.']})
    elif offering.plans:
        plan = offering.plans[0]
    validate_limits(offering, limits)
    if offering.terms_of_service and not body.get('accepting_terms_of_service'):
        raise bad_request({'non_field_errors': ['Terms of service for offering "%s" have not been accepted.' % offering.name]})
    if not has_permission(req, 'ORDER.CREATE', customers=(project.customer_uuid,), projects=(project.uuid,)):
        raise forbidden()
    now = store.now()
    name = attributes.get('name') or offering.name
    resource = store.add_resource(name=name, offering_uuid=offering.uuid, plan_uuid=plan.uuid if plan else None,
                                  project_uuid=project.uuid, state='Creating', limits=limits, attributes=attributes, created=now)
    order = store.add_order(resource, type='Create', state='pending-provider', created_by_uuid=req.user.uuid, created=now,
                            consumer_reviewed_by_uuid=req.user.uuid, consumer_reviewed_at=now,
                            callback_url=body.get('callback_url'), request_comment=body.get('request_comment'))
    return json_response(201, serialize_order(req, order))


def validate_limits(offering, limits):
    limit_types = set(c.type for c in offering.components if c.billing_type == 'limit')
    invalid = sorted(set(limits) - limit_types)
    if invalid:
        raise bad_request({'limits': ['Invalid types: %s' % ', '.join(invalid)]})
    for ctype, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad_request({'limits': ['A valid integer is required.']})
        component = offering.component(ctype)
        if component.max_value is not None and value > component.max_value:
            raise bad_request({'non_field_errors': ['The limit %s value cannot be more than %s.' % (value, component.max_value)]})
        if component.min_value is not None and value < component.min_value:
            raise bad_request({'non_field_errors': ['The limit %s value cannot be less than %s.' % (value, component.min_value)]})


# ---------------------------------------------------------------- provider actions

def _provider_customer(req, order):
    return req.store.offerings[order.offering_uuid].customer_uuid


def _require(req, order, permission):
    if not has_permission(req, permission, customers=(_provider_customer(req, order),)):
        raise forbidden()


def _require_type(req, order, allowed):
    offering_type = req.store.offerings[order.offering_uuid].type
    if offering_type not in allowed:
        raise ApiError(405, {'detail': 'Method "The order\'s offering with %s type does not support this action" not allowed.' % offering_type})


def _require_state(order, states):
    if order.state not in states:
        raise conflict(states)


def approve_by_provider(req, uuid):
    order = get_order(req, uuid)
    _require(req, order, 'ORDER.APPROVE')
    _require_state(order, ('pending-provider',))
    if req.v8:
        attributes = req.json_object().get('attributes')
        if attributes is not None:
            if not isinstance(attributes, dict):
                raise bad_request({'attributes': ['Value must be valid JSON.']})
            order.attributes.update(attributes)
    now = req.store.now()
    order.state = 'executing'
    order.provider_reviewed_at = now
    order.provider_reviewed_by_uuid = req.user.uuid
    order.modified = now
    start_processing(req.store, order)
    return json_response(200, APPROVED_8X) if req.v8 else empty_response()


def reject_by_provider(req, uuid):
    order = get_order(req, uuid)
    _require(req, order, 'ORDER.REJECT')
    _require_state(order, ('pending-provider',))
    if req.v8:
        comment = req.json_object().get('provider_rejection_comment')
        if comment is not None:
            order.provider_rejection_comment = str(comment)
    store = req.store
    now = store.now()
    order.state = 'rejected'
    order.provider_reviewed_at = now
    order.provider_reviewed_by_uuid = req.user.uuid  # RL707 #21
    order.modified = now
    resource = store.resources[order.resource_uuid]
    if order.type == 'Create':
        resource.state = 'Terminated'
    elif order.type == 'Update':
        resource.state = 'OK'
    store.touch(resource)
    return empty_response()


def set_state_executing(req, uuid):
    order = get_order(req, uuid)
    _require(req, order, 'ORDER.APPROVE')
    _require_type(req, order, (SLURM,))
    _require_state(order, ('pending-consumer', 'pending-provider', 'erred'))
    order.state = 'executing'
    req.store.touch(order)
    return empty_response()


def set_state_done(req, uuid):
    order = get_order(req, uuid)
    _require(req, order, 'ORDER.APPROVE')
    _require_type(req, order, (SLURM, BASIC, 'Support.OfferingTemplate'))
    _require_state(order, ('executing',))
    complete_order(req.store, order)
    return empty_response()


def set_state_erred(req, uuid):
    order = get_order(req, uuid)
    _require(req, order, 'ORDER.APPROVE')
    _require_type(req, order, (SLURM,))
    body = req.json()
    if not isinstance(body, dict) or 'error_message' not in body or 'error_traceback' not in body:
        raise server_error()  # 7.0.7 reads both keys unchecked (R707 #73); the 8.x view does the same
    fail_order(req.store, order, str(body['error_message']), str(body['error_traceback']))
    return empty_response()


def routes(v8):
    """(method, path regex, handler) of this domain."""
    del v8  # same routes in both versions
    detail = r'^/api/marketplace-orders/(?P<uuid>[^/]+)/'
    return [
        ('GET', r'^/api/marketplace-orders/$', list_orders),
        ('POST', r'^/api/marketplace-orders/$', create_order),
        ('GET', detail + '$', retrieve_order),
        ('POST', detail + 'approve_by_provider/$', approve_by_provider),
        ('POST', detail + 'reject_by_provider/$', reject_by_provider),
        ('POST', detail + 'set_state_executing/$', set_state_executing),
        ('POST', detail + 'set_state_done/$', set_state_done),
        ('POST', detail + 'set_state_erred/$', set_state_erred),
    ]
