# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resources (allocations): the provider view, the consumer view, their actions and marketplace-slurm-remote.

waldur-api.md sections 3-7. The provider path is /api/marketplace-provider-resources/, the consumer path
/api/marketplace-resources/; both render the same Resource object whose `url` points to the consumer path.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from .common import (ApiError, FilterErrors, apply_ordering, bad_request, conflict, empty_response, fmt_dt, forbidden, json_response,
                     not_found, offering_url, paginate, parse_uuid, plan_url, project_url, select_fields, server_error, type_name,
                     uuid_from_url, user_url)
from .catalog import serialize_component, serialize_offering
from .orders import serialize_order
from .permissions import consumer_can_see_resource, has_permission, provider_can_see_resource
from .store import ALLOCATION_STATE_NAMES, RESOURCE_STATES, Order

PROVIDER = 'provider'
CONSUMER = 'consumer'
NESTED_ORDER_KEYS = ('order_in_progress', 'creation_order')
KEYS_707_ONLY = ('offering_terms_of_service', 'offering_customer_uuid')
LEGACY_PROJECT_ROLES = {'PROJECT.ADMIN': 'admin', 'PROJECT.MANAGER': 'manager', 'PROJECT.MEMBER': 'member'}
ALLOCATION_STATES = {
    # state name -> (allowed source states, target): waldur_core StateMixin transitions of the SLURM allocation
    # 'ok' from Creation Scheduled (5) and Update Scheduled (1) as recorded (RL707 #9, #26); from 2 and 6 as in the source.
    'creating': ((5,), 6), 'updating': ((1,), 2), 'deleting': ((7,), 8), 'update_scheduled': ((3,), 1),
    'deletion_scheduled': ((3,), 7), 'ok': ((1, 2, 5, 6), 3), 'erred': ((1, 2, 3, 4, 5, 6, 7, 8), 4),
}


# ---------------------------------------------------------------- serialization

def serialize_resource(req, resource, nested=False):
    """The Resource object. `nested` adds order_in_progress and creation_order (the 7.0.7 detail view)."""
    store = req.store
    offering = store.offerings[resource.offering_uuid]
    provider = store.customers[offering.customer_uuid]
    category = store.categories.get(offering.category_uuid)
    plan = offering.plan(resource.plan_uuid)
    project = store.projects[resource.project_uuid]
    customer = store.customers[project.customer_uuid]
    billing_types = set(c.billing_type for c in offering.components)
    data = {
        'offering': offering_url(req, offering.uuid), 'offering_name': offering.name, 'offering_uuid': offering.uuid,
        'offering_description': offering.description, 'offering_image': None, 'offering_thumbnail': None, 'offering_type': offering.type,
        'offering_terms_of_service': offering.terms_of_service, 'offering_shared': offering.shared, 'offering_billable': offering.billable,
        'offering_plugin_options': offering.plugin_options, 'provider_name': provider.name, 'provider_uuid': provider.uuid,
        'category_title': category.title if category else None, 'category_uuid': category.uuid if category else None,
        'category_icon': None, 'plan': plan_url(req, offering.uuid, plan.uuid) if plan else None, 'plan_unit': plan.unit if plan else None,
        'plan_name': plan.name if plan else None, 'plan_uuid': plan.uuid if plan else None,
        'plan_description': plan.description if plan else None, 'attributes': resource.attributes, 'limits': resource.limits,
        'uuid': resource.uuid, 'created': fmt_dt(resource.created), 'modified': fmt_dt(resource.modified),
        'url': req.url('api/marketplace-resources/%s/' % resource.uuid), 'scope': None, 'description': resource.description,
        'state': resource.state, 'resource_uuid': None, 'backend_id': resource.backend_id, 'effective_id': '', 'resource_type': None,
        'project': project_url(req, project.uuid), 'project_uuid': project.uuid, 'project_name': project.name,
        'project_description': project.description, 'project_end_date': project.end_date, 'project_end_date_requested_by': None,
        'customer_uuid': customer.uuid, 'customer_name': customer.name, 'backend_metadata': resource.backend_metadata,
        'is_usage_based': 'usage' in billing_types, 'is_limit_based': 'limit' in billing_types, 'name': resource.name,
        'slug': resource.slug, 'current_usages': resource.current_usages, 'can_terminate': can_terminate(req, resource),
        'report': resource.report, 'end_date': resource.end_date, 'end_date_requested_by': None,
        'username': store.offering_username(offering.uuid, req.user.uuid) if req.user else None,
        'limit_usage': limit_usage(store, resource, offering), 'downscaled': False, 'restrict_member_access': False, 'paused': False,
        'endpoints': [], 'error_message': resource.error_message, 'error_traceback': resource.error_traceback,
        'offering_customer_uuid': provider.uuid, 'options': resource.options, 'available_actions': [], 'parent_uuid': None,
        'parent_name': None,
    }
    if req.v8:
        for key in KEYS_707_ONLY:
            del data[key]
        data.update({
            'provider_slug': provider.slug, 'offering_slug': offering.slug, 'parent_offering_uuid': None, 'parent_offering_name': None,
            'parent_offering_slug': None, 'offering_backend_id': offering.backend_id, 'last_sync': fmt_dt(resource.last_sync),
            'service_settings_uuid': None, 'project_slug': project.slug, 'customer_slug': customer.slug,
            'user_requires_reconsent': False, 'renewal_date': None, 'offering_state': offering.state,
            'offering_components': [serialize_component(c) for c in offering.components],
        })
    if nested:
        add_nested_orders(req, resource, data)
    return data


def add_nested_orders(req, resource, data):
    """order_in_progress (always fresh) and creation_order (7.0.7: possibly stale, see nested_creation_order)."""
    pending = req.store.pending_order(resource)
    created_by = nested_creation_order(req, resource)
    data['order_in_progress'] = serialize_order(req, pending) if pending else None
    data['creation_order'] = serialize_order(req, created_by) if created_by else None


def nested_creation_order(req, resource):
    """The Create order as the detail view shows it.

    7.0.7: `Resource.creation_order` is `@property @lru_cache(maxsize=1)`, keyed by the instance (hash = pk), per server
    process: the nested copy keeps the state of its first serialisation until another resource's creation_order is
    computed (RL707 #130-137). The emulator is one process, so one cache slot. 8.x: read fresh (see README).
    """
    store = req.store
    if req.v8:
        return store.creation_order(resource)
    cached = store.creation_order_cache
    if cached is None or cached[0] != resource.uuid:
        order = store.creation_order(resource)
        snapshot = Order(**dict((name, getattr(order, name)) for name in Order.FIELDS)) if order else None
        cached = store.creation_order_cache = (resource.uuid, snapshot)
    return cached[1]


def limit_usage(store, resource, offering):
    """Per limit-based component in `limits`: the reported usage total, or None without usage rows."""
    result = {}
    rows = store.usage_rows(resource).values()
    for ctype in resource.limits:
        component = offering.component(ctype)
        if component is None or component.billing_type != 'limit':
            continue
        amounts = [row.usage for row in rows if row.type == ctype]
        result[ctype] = float(sum(amounts)) if amounts else None
    return result


def terminate_permission(req, resource):
    store = req.store
    project = store.projects[resource.project_uuid]
    offering = store.offerings[resource.offering_uuid]
    return has_permission(req, 'RESOURCE.TERMINATE', customers=(project.customer_uuid, offering.customer_uuid), projects=(project.uuid,))


def can_terminate(req, resource):
    return (resource.state in ('OK', 'Erred') and req.store.pending_order(resource) is None
            and terminate_permission(req, resource))


def render(req, resource, detail):
    """The response object for list (detail=False) or detail views, with `field=` applied.

    7.0.7: the nested orders only in the detail view and never selectable; 8.x: selectable in both views.
    """
    wanted = set(req.params('field'))
    if req.v8:
        nested = detail or bool(wanted & set(NESTED_ORDER_KEYS))
        return select_fields(req, serialize_resource(req, resource, nested))
    data = serialize_resource(req, resource)
    allowed = [k for k in data if k not in NESTED_ORDER_KEYS]
    if detail and not wanted & set(allowed):
        # field= drops fields before serialisation: a valid selection never computes (or caches) creation_order
        add_nested_orders(req, resource, data)
    return select_fields(req, data, allowed)


# ---------------------------------------------------------------- lookups

def get_resource(req, uuid, view):
    """404 unless the resource exists and is in the view's queryset (a malformed uuid is a 404 too)."""
    key = parse_uuid(uuid)
    resource = req.store.resources.get(key) if key else None
    visible = provider_can_see_resource if view == PROVIDER else consumer_can_see_resource
    if resource is None or not visible(req, resource):
        raise not_found('Resource')
    return resource


def provider_customer(req, resource):
    return req.store.offerings[resource.offering_uuid].customer_uuid


def require(req, resource, permission, with_offering=True):
    """403 unless the caller holds `permission` on the offering's customer (or on the offering itself)."""
    offerings = (resource.offering_uuid,) if with_offering else ()
    if not has_permission(req, permission, customers=(provider_customer(req, resource),), offerings=offerings):
        raise forbidden()


# ---------------------------------------------------------------- list / detail

ORDERING_707 = ('name', 'created')
ORDERING_8X = ('name', 'created', 'end_date', 'project_name', 'state')


def list_resources(req, view):
    store = req.store
    errors = FilterErrors()
    provider = errors.uuid(req, 'provider_uuid')
    offerings = errors.uuid(req, 'offering_uuid', many=req.v8)
    project = errors.uuid(req, 'project_uuid')
    customer = errors.uuid(req, 'customer_uuid')
    category = errors.uuid(req, 'category_uuid')
    plan = errors.uuid(req, 'plan_uuid') if req.v8 else None
    states = errors.choices(req, 'state', RESOURCE_STATES)
    order_states = req.params('order_state') if req.v8 else []
    created = errors.date(req, 'created', datetime_ok=req.v8)
    modified = errors.date(req, 'modified', datetime_ok=req.v8)
    ordering = errors.ordering(req, ORDERING_8X if req.v8 else ORDERING_707)
    errors.raise_if_any()
    if isinstance(offerings, str):
        offerings = [offerings]
    if req.param('offering'):
        offerings = [uuid_from_url(req.param('offering'), 'marketplace-public-offerings') or 'none']
    backend_id = req.param('backend_id')
    name = (req.param('name') or '').lower()
    name_exact = req.param('name_exact')
    project_name = req.param('project_name')
    offering_type = req.param('offering_type')
    query = (req.param('query') or '').lower()
    visible = provider_can_see_resource if view == PROVIDER else consumer_can_see_resource

    def keep(res):
        off = store.offerings[res.offering_uuid]
        proj = store.projects[res.project_uuid]
        return ((not provider or off.customer_uuid == provider)
                and (not offerings or res.offering_uuid in offerings)
                and (not project or res.project_uuid == project)
                and (not customer or proj.customer_uuid == customer)
                and (not category or off.category_uuid == category)
                and (not plan or res.plan_uuid == plan)
                and (not states or res.state in states)
                and (backend_id is None or res.backend_id == backend_id)
                and (not name or name in res.name.lower())
                and (name_exact is None or res.name == name_exact)
                and (project_name is None or proj.name == project_name)
                and (offering_type is None or off.type == offering_type)
                and (not query or query == res.uuid or query in res.name.lower() or query in res.backend_id.lower())
                and (created is None or res.created >= created)
                and (modified is None or res.modified >= modified)
                and (not order_states or any(o.state in order_states for o in store.orders_of(res)))
                and visible(req, res))

    items = [r for r in store.resources.values() if keep(r)]
    items = apply_ordering(items, ordering, {
        'name': lambda r: r.name, 'created': lambda r: r.created, 'end_date': lambda r: r.end_date,
        'project_name': lambda r: store.projects[r.project_uuid].name, 'state': lambda r: RESOURCE_STATES.index(r.state)})
    return paginate(req, items, lambda r: render(req, r, detail=False))


def list_provider_resources(req):
    return list_resources(req, PROVIDER)


def list_consumer_resources(req):
    return list_resources(req, CONSUMER)


def retrieve_provider_resource(req, uuid):
    return json_response(200, render(req, get_resource(req, uuid, PROVIDER), detail=True))


def retrieve_consumer_resource(req, uuid):
    return json_response(200, render(req, get_resource(req, uuid, CONSUMER), detail=True))


def team(req, uuid, view):
    """The project's users with an active project role, ordered by username. 7.0.7: not paginated."""
    store = req.store
    resource = get_resource(req, uuid, view)
    members = {}
    for role in store.roles:
        if role.scope_type == 'project' and role.scope_uuid == resource.project_uuid and role.role in LEGACY_PROJECT_ROLES:
            members.setdefault(role.user_uuid, role)
    users = sorted((store.users[u] for u in members), key=lambda u: u.username)

    def item(user):
        role = members[user.uuid]
        data = {'url': user_url(req, user.uuid), 'uuid': user.uuid, 'username': user.username, 'full_name': user.full_name,
                'email': user.email, 'role': LEGACY_PROJECT_ROLES.get(role.role), 'expiration_time': fmt_dt(role.expiration_time),
                'offering_user_username': store.offering_username(resource.offering_uuid, user.uuid)}
        if req.v8:
            data['offering_user_state'] = 'OK' if data['offering_user_username'] else None
        return data

    if req.v8:
        return paginate(req, users, item)
    return json_response(200, [item(u) for u in users])


def provider_team(req, uuid):
    return team(req, uuid, PROVIDER)


def consumer_team(req, uuid):
    return team(req, uuid, CONSUMER)


# ---------------------------------------------------------------- provider actions

def set_backend_id(req, uuid):
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SET_BACKEND_ID')
    body = req.json()
    if not isinstance(body, dict) or 'backend_id' not in body:
        raise server_error()  # 7.0.7 reads validated_data["backend_id"] unchecked (R707 #47)
    value = body['backend_id']
    if value is None:
        raise bad_request({'backend_id': ['This field may not be null.']})
    if isinstance(value, (dict, list, bool)):
        raise bad_request({'backend_id': ['Not a valid string.']})
    value = str(value).strip()
    if len(value) > 255:
        raise bad_request({'backend_id': ['Ensure this field has no more than 255 characters.']})
    if value == resource.backend_id:
        return json_response(200, {'status': 'Resource backend_id is not changed.'})
    resource.backend_id = value
    req.store.touch(resource)
    return json_response(200, {'status': 'Resource backend_id has been changed.'})


def validate_report(body):
    """The stored report sections, or a 400 with DRF's nested errors."""
    if 'report' not in body:
        raise bad_request({'report': ['This field is required.']})
    report = body['report']
    if report is None:
        raise bad_request({'report': ['This field may not be null.']})
    if not isinstance(report, list):
        raise bad_request({'report': {'non_field_errors': ['Expected a list of items but got type "%s".' % type_name(report)]}})
    if not report:
        raise bad_request({'report': ['Report object should contain at least one section.']})
    errors = []
    sections = []
    for section in report:
        if not isinstance(section, dict):
            errors.append({'non_field_errors': ['Invalid data. Expected a dictionary, but got %s.' % type_name(section)]})
            continue
        item_errors = {}
        for key in ('header', 'body'):
            value = section.get(key)
            if key not in section:
                item_errors[key] = ['This field is required.']
            elif value is None:
                item_errors[key] = ['This field may not be null.']
            elif isinstance(value, (dict, list, bool)):
                item_errors[key] = ['Not a valid string.']
            elif not str(value).strip():
                item_errors[key] = ['This field may not be blank.']
        errors.append(item_errors)
        sections.append({'header': str(section.get('header', '')).strip(), 'body': str(section.get('body', '')).strip()})
    if any(errors):
        raise bad_request({'report': errors})
    return sections


def submit_report(req, uuid):
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SUBMIT_REPORT', with_offering=False)
    resource.report = validate_report(req.json_object())
    req.store.touch(resource)
    return json_response(200, {'status': 'Report is submitted'})


def set_backend_metadata(req, uuid):
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SET_BACKEND_METADATA')
    body = req.json_object()
    if 'backend_metadata' not in body:
        raise bad_request({'backend_metadata': ['This field is required.']})
    if body['backend_metadata'] is None:
        raise bad_request({'backend_metadata': ['This field may not be null.']})
    resource.backend_metadata = body['backend_metadata']
    req.store.touch(resource)
    return json_response(200, {'status': 'The backend metadata is updated'})


def terminate(req, uuid, view):
    """Creates a Terminate order (pending-provider) for a resource in OK or Erred without another pending order."""
    store = req.store
    resource = get_resource(req, uuid, view)
    if not terminate_permission(req, resource):
        raise forbidden()
    if resource.state not in ('OK', 'Erred'):
        raise conflict(('OK', 'Erred'))
    if store.pending_order(resource) is not None:
        raise bad_request(['Pending order for resource already exists.'])
    body = req.json_object()
    attributes = body.get('attributes') or {}
    if not isinstance(attributes, dict):
        raise bad_request({'attributes': ['Value must be valid JSON.']})
    order = store.add_order(resource, type='Terminate', state='pending-provider', created_by_uuid=req.user.uuid, attributes=attributes,
                            limits={}, consumer_reviewed_by_uuid=req.user.uuid, consumer_reviewed_at=store.now(),
                            callback_url=body.get('callback_url'))
    store.touch(resource)
    return json_response(200, {'order_uuid': order.uuid})


def provider_terminate(req, uuid):
    return terminate(req, uuid, PROVIDER)


def consumer_terminate(req, uuid):
    return terminate(req, uuid, CONSUMER)


def set_as_erred(req, uuid):
    """7.0.7: staff only. 8.x: RESOURCE.SET_STATE (owner, service-provider manager, offering manager)."""
    resource = get_resource(req, uuid, PROVIDER)
    if req.v8:
        require(req, resource, 'RESOURCE.SET_STATE')
    elif not req.user.is_staff:
        raise forbidden()
    body = req.json_object()
    resource.state = 'Erred'
    resource.error_message = str(body.get('error_message') or '')
    resource.error_traceback = str(body.get('error_traceback') or '')
    req.store.touch(resource)
    return empty_response()


def set_state_ok(req, uuid):
    """8.0.3+: 200 with a status, 409 from OK or Terminated. Orders are not touched."""
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SET_STATE')
    if resource.state in ('OK', 'Terminated'):
        raise conflict(('Erred', 'Creating', 'Updating', 'Terminating'))
    resource.state = 'OK'
    req.store.touch(resource)
    return json_response(200, {'status': 'Resource state has been set to OK.'})


def set_as_ok(req, uuid):
    """8.x: idempotent; clears the error fields. From Terminated the FSM refuses and the view has no handler: 500."""
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SET_STATE')
    if resource.state == 'OK':
        return empty_response()
    if resource.state == 'Terminated':
        raise server_error()
    resource.state = 'OK'
    resource.error_message = ''
    resource.error_traceback = ''
    req.store.touch(resource)
    return empty_response()


def slurm_resource(req, uuid):
    """The resource of a marketplace-slurm-remote call: 404 unless visible and on a Slurm offering (R707 #89)."""
    key = parse_uuid(uuid)
    resource = req.store.resources.get(key) if key else None
    if (resource is None or req.store.offerings[resource.offering_uuid].type != 'Marketplace.Slurm'
            or not provider_can_see_resource(req, resource)):
        raise not_found('Resource')
    return resource


def slurm_set_state(req, uuid):
    """marketplace-slurm-remote/{uuid}/set_state/: the SLURM allocation's state, not the resource's (R707 #86-#89)."""
    resource = slurm_resource(req, uuid)
    require(req, resource, 'SLURM.SET_STATE')
    body = req.json_object()
    if 'state' not in body:
        raise bad_request({'state': ['This field is required.']})
    state = str(body['state'])
    if state not in ALLOCATION_STATES:
        raise bad_request(['Invalid state: a corresponding method for transition is absent'])
    sources, target = ALLOCATION_STATES[state]
    if resource.allocation_state not in sources:
        raise ApiError(409, {'detail': 'Allocation state can not be changed from %s to %s.' % (resource.allocation_state, state)})
    resource.allocation_state = target
    return json_response(200, {'detail': 'Allocation state has been changed to %s' % state})


# ---------------------------------------------------------------- Update orders (consumer side) and limits

def update_permission(req, resource):
    project = req.store.projects[resource.project_uuid]
    return has_permission(req, 'ORDER.CREATE', customers=(project.customer_uuid,), projects=(project.uuid,))


def new_update_order(req, resource, limits, attributes, plan_uuid=None):
    """An Update order pending-provider; the resource keeps its state and limits while it waits (RL707 #1-4)."""
    store = req.store
    if not update_permission(req, resource):
        raise forbidden()
    if resource.state != 'OK':
        raise conflict(('OK',))  # inferred: the recording only updated OK resources
    if store.pending_order(resource) is not None:
        raise bad_request(['Pending order for resource already exists.'])  # inferred, as terminate
    order = store.add_order(resource, type='Update', state='pending-provider', created_by_uuid=req.user.uuid, limits=limits,
                            attributes=attributes, consumer_reviewed_by_uuid=req.user.uuid, consumer_reviewed_at=store.now(),
                            plan_uuid=plan_uuid or resource.plan_uuid, switches_plan=plan_uuid is not None)
    store.touch(resource)
    return json_response(200, {'order_uuid': order.uuid})


def update_limits(req, uuid):
    """Consumer POST marketplace-resources/<uuid>/update_limits/ {"limits": {...}} -> {"order_uuid"}: the order's
    `limits` are the new values, `attributes.old_limits` the current ones (RL707 #1-2). 400 for components that are
    not limit-based, with a bare string message (#35)."""
    store = req.store
    resource = get_resource(req, uuid, CONSUMER)
    body = req.json_object()
    limits = body.get('limits')
    if not isinstance(limits, dict) or not limits:
        raise bad_request({'limits': ['This field is required.']})
    offering = store.offerings[resource.offering_uuid]
    limit_types = set(c.type for c in offering.components if c.billing_type == 'limit')
    invalid = sorted(set(limits) - limit_types)
    if invalid:
        raise bad_request({'limits': 'Invalid types: %s' % ', '.join(invalid)})
    return new_update_order(req, resource, dict(limits), {'old_limits': dict(resource.limits)})


def switch_plan(req, uuid):
    """Consumer POST marketplace-resources/<uuid>/switch_plan/ {"plan": <plan URL>}: an Update order with the current
    limits and empty attributes that approval finishes at once, also on Slurm (RL707 #36-41); the resource takes the
    new plan when the order is done (inferred)."""
    resource = get_resource(req, uuid, CONSUMER)
    offering = req.store.offerings[resource.offering_uuid]
    body = req.json_object()
    plan = offering.plan(uuid_from_url(body.get('plan'), 'marketplace-public-offerings/%s/plans' % offering.uuid))
    if plan is None:
        raise bad_request({'plan': ['Invalid hyperlink - Object does not exist.']})
    return new_update_order(req, resource, dict(resource.limits), {}, plan_uuid=plan.uuid)


def slurm_details(req, uuid):
    """GET marketplace-provider-resources/<uuid>/details/: the plugin scope, for Slurm the SLURM allocation with its
    own state ("Creation Scheduled", "Update Scheduled", "OK", RL707 #8, #16). Other types: 404 (inferred)."""
    resource = get_resource(req, uuid, PROVIDER)
    if resource.allocation_uuid is None:
        raise not_found('Resource')
    return json_response(200, {'uuid': resource.allocation_uuid, 'name': resource.name,
                               'state': ALLOCATION_STATE_NAMES[resource.allocation_state], 'cpu_limit': 0, 'gpu_limit': 0,
                               'ram_limit': 0, 'backend_id': ''})


def slurm_set_limits(req, uuid):
    """marketplace-slurm-remote/<uuid>/set_limits/ with a bare dict: writes resource.limits directly, with no order
    and no checks, also on an Erred resource (RL707 #33-34). Replaces the whole dict (inferred: #33 sent every key)."""
    resource = slurm_resource(req, uuid)
    require(req, resource, 'SLURM.SET_STATE')
    body = req.json_object()
    resource.limits = dict(body)
    req.store.touch(resource)
    return json_response(200, {'status': 'Limits are successfully set.'})


def provider_set_limits(req, uuid):
    """8.x only (OpenAPI 8.0.5: ResourceSetLimitsRequest {"limits"}, permission RESOURCE.SET_STATE); 7.0.7 has none
    (HTML 404, RL707 #32). Inferred: checks the types against the limit components and writes the limits, no order."""
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SET_STATE', with_offering=False)
    limits = req.json_object().get('limits')
    if not isinstance(limits, dict):
        raise bad_request({'limits': ['This field is required.']})
    offering = req.store.offerings[resource.offering_uuid]
    invalid = sorted(set(limits) - set(c.type for c in offering.components if c.billing_type == 'limit'))
    if invalid:
        raise bad_request({'limits': 'Invalid types: %s' % ', '.join(invalid)})
    resource.limits.update(limits)
    req.store.touch(resource)
    return json_response(200, {'status': 'Limits are successfully set.'})


# ---------------------------------------------------------------- other provider views and actions (RL707 section 9)

def resource_offering(req, uuid):
    """GET .../offering/: the resource's offering (public serializer, components included, RL707 #143)."""
    resource = get_resource(req, uuid, PROVIDER)
    return json_response(200, select_fields(req, serialize_offering(req, req.store.offerings[resource.offering_uuid], public=True)))


def glauth_users_config(req, uuid):
    """Recorded as a 500 HTML page on the Slurm offering with offering users on (RL707 #144): a trap, not a feature."""
    get_resource(req, uuid, PROVIDER)
    raise server_error()


def patch_resource(req, uuid):
    """PATCH name/description/end_date: 7.0.7 has no permission check beyond visibility (a service-provider manager
    may, RL707 #145). The answer is the update serializer's three fields."""
    resource = get_resource(req, uuid, PROVIDER)
    body = req.json_object()
    for key in ('name', 'description'):
        if key in body:
            setattr(resource, key, str(body[key]).strip())
    if 'end_date' in body:
        resource.end_date = body['end_date']
    req.store.touch(resource)
    return json_response(200, {'name': resource.name, 'description': resource.description, 'end_date': resource.end_date})


def set_end_date_by_provider(req, uuid):
    """400 when the resource has usage reported in the last 90 days (RL707 #146); else the end date is set (inferred)."""
    store = req.store
    resource = get_resource(req, uuid, PROVIDER)
    require(req, resource, 'RESOURCE.SET_BACKEND_ID')  # inferred: provider roles
    body = req.json_object()
    since = store.now() - datetime.timedelta(days=90)
    if any(row.date and row.date >= since for row in store.usage_rows(resource).values()):
        raise bad_request({'end_date': ['Service provider can not set end date of the resource which has been used for the last 90 days.']})
    resource.end_date = body.get('end_date')
    store.touch(resource)
    return empty_response()


def plan_periods(req, uuid):
    """GET .../plan_periods/: one period per resource (its plan since creation) with the usage rows it holds
    (RL707 #108); its uuid is accepted by set_usage as `plan_period` (#109)."""
    store = req.store
    resource = get_resource(req, uuid, PROVIDER)
    plan = store.offerings[resource.offering_uuid].plan(resource.plan_uuid)
    rows = sorted(store.usage_rows(resource).values(), key=lambda row: row.created)
    return json_response(200, [{'uuid': resource.plan_period_uuid, 'plan_name': plan.name if plan else None,
                                'plan_uuid': plan.uuid if plan else None, 'start': fmt_dt(resource.created), 'end': None,
                                'components': [{'type': row.type, 'usage': '%s' % row.usage, 'date': fmt_dt(row.date),
                                                'billing_period': row.billing_period.isoformat()} for row in rows]}])


def routes(v8):
    """(method, path regex, handler) of this domain; 8.x adds set_state_ok and set_as_ok."""
    provider = r'^/api/marketplace-provider-resources/(?P<uuid>[^/]+)/'
    consumer = r'^/api/marketplace-resources/(?P<uuid>[^/]+)/'
    table = [
        ('GET', r'^/api/marketplace-provider-resources/$', list_provider_resources),
        ('GET', provider + '$', retrieve_provider_resource),
        ('PATCH', provider + '$', patch_resource),
        ('GET', provider + 'team/$', provider_team),
        ('GET', provider + 'details/$', slurm_details),
        ('GET', provider + 'offering/$', resource_offering),
        ('GET', provider + 'plan_periods/$', plan_periods),
        ('GET', provider + 'glauth_users_config/$', glauth_users_config),
        ('POST', provider + 'set_end_date_by_provider/$', set_end_date_by_provider),
        ('POST', provider + 'set_backend_id/$', set_backend_id),
        ('POST', provider + 'submit_report/$', submit_report),
        ('POST', provider + 'set_backend_metadata/$', set_backend_metadata),
        ('POST', provider + 'terminate/$', provider_terminate),
        ('POST', provider + 'set_as_erred/$', set_as_erred),
        ('GET', r'^/api/marketplace-resources/$', list_consumer_resources),
        ('GET', consumer + '$', retrieve_consumer_resource),
        ('GET', consumer + 'team/$', consumer_team),
        ('POST', consumer + 'terminate/$', consumer_terminate),
        ('POST', consumer + 'update_limits/$', update_limits),
        ('POST', consumer + 'switch_plan/$', switch_plan),
        ('POST', r'^/api/marketplace-slurm-remote/(?P<uuid>[^/]+)/set_state/$', slurm_set_state),
        ('POST', r'^/api/marketplace-slurm-remote/(?P<uuid>[^/]+)/set_limits/$', slurm_set_limits),
    ]
    if v8:
        table += [
            ('POST', provider + 'set_state_ok/$', set_state_ok),
            ('POST', provider + 'set_as_ok/$', set_as_ok),
            ('POST', provider + 'set_limits/$', provider_set_limits),
        ]
    return table
