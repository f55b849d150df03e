# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Catalogue and account endpoints: offerings, plans, service providers, login, whoami, version, configuration."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from .common import (ApiError, FilterErrors, apply_ordering, bad_request, customer_url, empty_response, fmt_dt, forbidden, json_response,
                     not_found, paginate, parse_uuid, plan_url, select_fields, user_url)
from .permissions import can_see_offering_as_provider, has_permission

OFFERING_STATES = ('Draft', 'Active', 'Paused', 'Archived')


# ---------------------------------------------------------------- offerings

def serialize_component(component):
    return {
        'uuid': component.uuid, 'billing_type': component.billing_type, 'type': component.type, 'name': component.name,
        'description': component.description, 'measured_unit': component.measured_unit, 'limit_period': component.limit_period,
        'limit_amount': component.limit_amount, 'article_code': component.article_code, 'max_value': component.max_value,
        'min_value': component.min_value, 'max_available_limit': None, 'is_boolean': component.is_boolean,
        'default_limit': component.default_limit, 'factor': None, 'is_builtin': False,
    }


def serialize_plan(req, offering, plan):
    return {
        'url': plan_url(req, offering.uuid, plan.uuid), 'uuid': plan.uuid, 'name': plan.name, 'description': plan.description,
        'article_code': '', 'max_amount': None, 'archived': plan.archived, 'is_active': not plan.archived, 'unit_price': '0.0000000',
        'unit': plan.unit, 'init_price': 0, 'switch_price': 0, 'backend_id': '', 'prices': plan.prices,
        'quotas': dict((c.type, 0) for c in offering.components),
        'resources_count': sum(1 for r in req.store.resources.values() if r.plan_uuid == plan.uuid),
    }


def serialize_offering(req, offering, public=False):
    """The offering; the provider view adds secret_options (RL707 #139-140)."""
    store = req.store
    customer = store.customers[offering.customer_uuid]
    category = store.categories.get(offering.category_uuid)
    path = 'marketplace-public-offerings' if public else 'marketplace-provider-offerings'
    data = {
        'url': req.url('api/%s/%s/' % (path, offering.uuid)), 'uuid': offering.uuid, 'created': fmt_dt(offering.created),
        'name': offering.name, 'slug': offering.slug, 'description': offering.description, 'full_description': '',
        'terms_of_service': offering.terms_of_service, 'terms_of_service_link': '', 'privacy_policy_link': '', 'access_url': '',
        'endpoints': [], 'roles': [], 'customer': customer_url(req, customer.uuid), 'customer_uuid': customer.uuid,
        'customer_name': customer.name, 'project': None, 'project_uuid': None, 'project_name': None,
        'category': req.url('api/marketplace-categories/%s/' % category.uuid) if category else None,
        'category_uuid': category.uuid if category else None, 'category_title': category.title if category else None,
        'attributes': {}, 'options': {'order': [], 'options': {}}, 'resource_options': {'order': [], 'options': {}},
        'components': [serialize_component(c) for c in offering.components], 'plugin_options': offering.plugin_options,
        'state': offering.state, 'vendor_details': '', 'getting_started': '', 'integration_guide': '', 'thumbnail': None,
        'order_count': sum(1 for o in store.orders.values() if o.offering_uuid == offering.uuid),
        'plans': [serialize_plan(req, offering, p) for p in offering.plans], 'screenshots': [], 'type': offering.type,
        'shared': offering.shared, 'billable': offering.billable, 'scope': None, 'scope_uuid': None, 'scope_name': None,
        'scope_state': None, 'scope_error_message': None, 'files': [], 'quotas': [], 'paused_reason': '', 'datacite_doi': '',
        'citation_count': -1, 'latitude': None, 'longitude': None, 'country': '', 'backend_id': offering.backend_id,
        'organization_groups': [], 'image': None, 'total_customers': None, 'total_cost': None, 'total_cost_estimated': None,
        'parent_description': None, 'parent_uuid': None, 'parent_name': None, 'backend_metadata': {},
    }
    if not public:
        data['secret_options'] = offering.secret_options
    return data


def get_offering(req, uuid, public):
    key = parse_uuid(uuid)
    offering = req.store.offerings.get(key) if key else None
    if offering is None:
        raise not_found('Offering')
    visible = offering.state == 'Active' and offering.shared if public else can_see_offering_as_provider(req, offering)
    if not visible:
        raise not_found('Offering')
    return offering


def list_offerings(req, public):
    errors = FilterErrors()
    customer = errors.uuid(req, 'customer_uuid')
    category = errors.uuid(req, 'category_uuid')
    states = errors.choices(req, 'state', OFFERING_STATES)
    ordering = errors.ordering(req, ('name', 'created', 'type', 'state'))
    errors.raise_if_any()
    types = req.params('type')
    name = (req.param('name') or '').lower()
    name_exact = req.param('name_exact')

    def keep(offering):
        visible = offering.state == 'Active' and offering.shared if public else can_see_offering_as_provider(req, offering)
        return (visible and (not customer or offering.customer_uuid == customer)
                and (not category or offering.category_uuid == category)
                and (not states or offering.state in states) and (not types or offering.type in types)
                and (not name or name in offering.name.lower()) and (name_exact is None or offering.name == name_exact))

    items = [o for o in req.store.offerings.values() if keep(o)]
    items = apply_ordering(items, ordering, {'name': lambda o: o.name, 'created': lambda o: o.created, 'type': lambda o: o.type,
                                             'state': lambda o: OFFERING_STATES.index(o.state)})
    return paginate(req, items, lambda o: select_fields(req, serialize_offering(req, o, public)))


def list_provider_offerings(req):
    return list_offerings(req, public=False)


def list_public_offerings(req):
    return list_offerings(req, public=True)


def retrieve_provider_offering(req, uuid):
    return json_response(200, select_fields(req, serialize_offering(req, get_offering(req, uuid, False), False)))


def update_integration(req, uuid):
    """POST .../update_integration/ {"secret_options": {...}, "plugin_options": {...}}: each given dict REPLACES the
    stored one (RL707 #64 and set-up), so sending one option drops the others. Owner (inferred; recorded as owner)."""
    offering = get_offering(req, uuid, False)
    if not has_permission(req, 'OFFERING.UPDATE_INTEGRATION', customers=(offering.customer_uuid,)):
        raise forbidden()
    body = req.json_object()
    for key in ('secret_options', 'plugin_options'):
        if key in body:
            if not isinstance(body[key], dict):
                raise bad_request({key: ['Value must be valid JSON.']})
            setattr(offering, key, dict(body[key]))
    return empty_response()


def retrieve_public_offering(req, uuid):
    return json_response(200, select_fields(req, serialize_offering(req, get_offering(req, uuid, True), True)))


def retrieve_public_plan(req, uuid, plan_uuid):
    offering = get_offering(req, uuid, True)
    plan = offering.plan(parse_uuid(plan_uuid))
    if plan is None:
        raise not_found('Plan')
    return json_response(200, serialize_plan(req, offering, plan))


# ---------------------------------------------------------------- service providers

def serialize_service_provider(req, provider):
    customer = req.store.customers[provider.customer_uuid]
    return {
        'url': req.url('api/marketplace-service-providers/%s/' % provider.uuid), 'uuid': provider.uuid,
        'created': fmt_dt(provider.created), 'description': provider.description, 'enable_notifications': True,
        'customer': customer_url(req, customer.uuid), 'customer_name': customer.name, 'customer_uuid': customer.uuid,
        'customer_image': None, 'customer_abbreviation': customer.abbreviation, 'customer_slug': customer.slug,
        'customer_native_name': '', 'customer_country': '', 'image': None, 'organization_groups': [],
        'offering_count': sum(1 for o in req.store.offerings.values() if o.customer_uuid == customer.uuid),
    }


def list_service_providers(req):
    errors = FilterErrors()
    customer = errors.uuid(req, 'customer_uuid')
    errors.raise_if_any()
    items = [p for p in req.store.service_providers.values() if not customer or p.customer_uuid == customer]
    return paginate(req, items, lambda p: select_fields(req, serialize_service_provider(req, p)))


def get_service_provider(req, uuid):
    key = parse_uuid(uuid)
    provider = req.store.service_providers.get(key) if key else None
    if provider is None:
        raise not_found('ServiceProvider')
    return provider


def retrieve_service_provider(req, uuid):
    return json_response(200, select_fields(req, serialize_service_provider(req, get_service_provider(req, uuid))))


def service_provider_offerings(req, uuid):
    """GET marketplace-service-providers/<uuid>/offerings/: its offerings with resources_count (resources not
    Terminated, RL707 #142) and components."""
    provider = get_service_provider(req, uuid)
    store = req.store
    items = [o for o in store.offerings.values() if o.customer_uuid == provider.customer_uuid]

    def render(offering):
        data = serialize_offering(req, offering, public=True)
        data['resources_count'] = sum(1 for r in store.resources.values() if r.offering_uuid == offering.uuid and r.state != 'Terminated')
        return select_fields(req, data)

    return paginate(req, items, render)


# ---------------------------------------------------------------- account endpoints

def password_login(req):
    body = req.json_object()
    errors = dict((k, ['This field is required.']) for k in ('username', 'password') if not body.get(k))
    if errors:
        raise bad_request(errors)
    user = req.store.user_by_username(str(body['username']))
    if user is None or user.password != body['password']:
        raise ApiError(401, {'detail': 'Invalid username/password'})
    return json_response(200, {'token': user.token})


def scope_name(store, role):
    table = {'customer': store.customers, 'project': store.projects, 'offering': store.offerings}[role.scope_type]
    return table[role.scope_uuid].name if role.scope_uuid in table else None


def serialize_permission(req, user, role):
    store = req.store
    definition = store.role_definitions.get(role.role)
    data = {
        'user_uuid': user.uuid, 'user_name': user.full_name, 'user_slug': user.slug, 'created': fmt_dt(role.created),
        'expiration_time': fmt_dt(role.expiration_time), 'role_name': role.role,
        'role_description': definition.description if definition else '', 'role_uuid': definition.uuid if definition else None,
        'scope_type': role.scope_type, 'scope_uuid': role.scope_uuid, 'scope_name': scope_name(store, role),
    }
    if req.v8:
        data.update({'created_by_full_name': None, 'created_by_username': None, 'customer_uuid': None, 'customer_name': None})
    return data


def me(req):
    """GET /api/users/me/. is_staff/is_support are only shown to staff and support users (R707 #4)."""
    user = req.user
    data = {
        'url': user_url(req, user.uuid), 'uuid': user.uuid, 'username': user.username, 'slug': user.slug, 'full_name': user.full_name,
        'native_name': '', 'job_title': '', 'email': user.email, 'phone_number': '', 'organization': '', 'civil_number': None,
        'description': '', 'is_active': True, 'registration_method': 'default', 'date_joined': fmt_dt(user.created),
        'agreement_date': fmt_dt(user.created), 'preferred_language': '', 'notifications_enabled': True,
        'permissions': [serialize_permission(req, user, r) for r in req.store.roles_of(user)], 'requested_email': None,
        'affiliations': [], 'first_name': '', 'last_name': '', 'image': None,
    }
    if user.is_staff or user.is_support:
        data['is_staff'] = user.is_staff
        data['is_support'] = user.is_support
    return json_response(200, data)


def version(req):
    if not req.user.is_staff:
        raise forbidden()
    return json_response(200, {'version': req.waldur_version_string})


def configuration(req):
    return json_response(200, {
        'WALDUR_CORE': {'SITE_NAME': 'Waldur emulator', 'AUTHENTICATION_METHODS': ['LOCAL_SIGNIN'], 'TOKEN_KEY': 'x-auth-token'},
        'WALDUR_MARKETPLACE': {'ENABLE_ORDER_START_DATE': False},
        'emulator': {'waldur_version': req.waldur_version_string},
    })


def api_root(req):
    names = ('marketplace-provider-resources', 'marketplace-resources', 'marketplace-orders', 'marketplace-component-usages',
             'marketplace-provider-offerings', 'marketplace-public-offerings', 'marketplace-service-providers', 'users')
    return json_response(200, dict((n, req.url('api/%s/' % n)) for n in names))


def routes(v8):
    """(method, path regex, handler[, public]) of this domain. Public routes work without a token."""
    del v8
    return [
        ('GET', r'^/api/$', api_root, True),
        ('POST', r'^/api-auth/password/$', password_login, True),
        ('GET', r'^/api/users/me/$', me),
        ('GET', r'^/api/version/$', version),
        ('GET', r'^/api/configuration/$', configuration, True),
        ('GET', r'^/api/marketplace-provider-offerings/$', list_provider_offerings),
        ('GET', r'^/api/marketplace-provider-offerings/(?P<uuid>[^/]+)/$', retrieve_provider_offering),
        ('POST', r'^/api/marketplace-provider-offerings/(?P<uuid>[^/]+)/update_integration/$', update_integration),
        ('GET', r'^/api/marketplace-public-offerings/$', list_public_offerings, True),
        ('GET', r'^/api/marketplace-public-offerings/(?P<uuid>[^/]+)/$', retrieve_public_offering, True),
        ('GET', r'^/api/marketplace-public-offerings/(?P<uuid>[^/]+)/plans/(?P<plan_uuid>[^/]+)/$', retrieve_public_plan, True),
        ('GET', r'^/api/marketplace-service-providers/$', list_service_providers),
        ('GET', r'^/api/marketplace-service-providers/(?P<uuid>[^/]+)/$', retrieve_service_provider),
        ('GET', r'^/api/marketplace-service-providers/(?P<uuid>[^/]+)/offerings/$', service_provider_offerings),
    ]
