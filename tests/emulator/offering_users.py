# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Usernames: /api/marketplace-offering-users/, set_offerings_username, and the project membership that makes Waldur
create offering users by itself (RL707 section 3).

The offering's secret option `service_provider_can_create_offering_user` gates everything: off, the provider sees
no offering users of that offering and POST is refused; on, a user who joins a project with an OK resource of the
offering gets an offering user with username "" from Waldur itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import uuid as uuid_mod

from .catalog import get_service_provider
from .common import (ApiError, FilterErrors, apply_ordering, bad_request, empty_response, fmt_dt, forbidden, json_response, not_found,
                     paginate, parse_uuid, select_fields, user_url, uuid_from_url)
from .permissions import can_see_project, has_permission, scope_of
from .store import RoleAssignment

GATE = 'service_provider_can_create_offering_user'
PROJECT_ROLES = ('PROJECT.ADMIN', 'PROJECT.MANAGER', 'PROJECT.MEMBER')


def gate_open(offering):
    return bool(offering.secret_options.get(GATE))


def offering_user_url(req, item):
    return req.url('api/marketplace-offering-users/%s/' % item.uuid)


def serialize_offering_user(req, item):
    """The OfferingUser of RL707 #68; 8.x adds `state` (OpenAPI 8.0.5 OfferingUserState) and the user's e-mail."""
    store = req.store
    offering = store.offerings[item.offering_uuid]
    user = store.users[item.user_uuid]
    customer = store.customers[offering.customer_uuid]
    data = {
        'url': offering_user_url(req, item), 'uuid': item.uuid, 'user': user_url(req, user.uuid),
        'offering': req.url('api/marketplace-provider-offerings/%s/' % offering.uuid), 'username': item.username,
        'offering_uuid': offering.uuid, 'offering_name': offering.name, 'user_uuid': user.uuid, 'user_username': user.username,
        'user_full_name': user.full_name, 'created': fmt_dt(item.created), 'modified': fmt_dt(item.modified), 'propagation_date': None,
        'customer_uuid': customer.uuid, 'customer_name': customer.name, 'is_restricted': item.is_restricted,
    }
    if req.v8:
        data.update({'state': item.state, 'user_email': user.email})
    return data


def can_see_offering_user(req, item):
    """Staff and support see all; the offering's organisation (and its offering managers) only while the gate is open
    (RL707 #62, #82-83); a user sees their own rows (inferred)."""
    scope = scope_of(req)
    if scope.sees_all or (req.user and item.user_uuid == req.user.uuid):
        return True
    offering = req.store.offerings[item.offering_uuid]
    return gate_open(offering) and (offering.customer_uuid in scope.customers or offering.uuid in scope.offerings)


def get_offering_user(req, uuid):
    key = parse_uuid(uuid)
    item = req.store.offering_users.get(key) if key else None
    if item is None or not can_see_offering_user(req, item):
        raise not_found('OfferingUser')
    return item


def list_offering_users(req):
    store = req.store
    errors = FilterErrors()
    offering = errors.uuid(req, 'offering_uuid')
    user = errors.uuid(req, 'user_uuid')
    provider = errors.uuid(req, 'provider_uuid')
    ordering = errors.ordering(req, ('created', 'modified', 'username'))
    errors.raise_if_any()
    query = (req.param('query') or '').lower()
    user_username = req.param('user_username')
    restricted = req.param('is_restricted')
    states = req.params('state') if req.v8 else []

    def keep(item):
        owner = store.users[item.user_uuid]
        return ((not offering or item.offering_uuid == offering) and (not user or item.user_uuid == user)
                and (not provider or store.offerings[item.offering_uuid].customer_uuid == provider)
                and (not query or any(query in text.lower() for text in (item.username, owner.username, owner.full_name)))
                and (user_username is None or owner.username == user_username)
                and (restricted is None or str(item.is_restricted).lower() == restricted.lower())
                and (not states or item.state in states)
                and can_see_offering_user(req, item))

    items = [item for item in store.offering_users.values() if keep(item)]
    items = apply_ordering(items, ordering, {'created': lambda i: i.created, 'modified': lambda i: i.modified,
                                             'username': lambda i: i.username})
    return paginate(req, items, lambda i: select_fields(req, serialize_offering_user(req, i)))


def retrieve_offering_user(req, uuid):
    return json_response(200, select_fields(req, serialize_offering_user(req, get_offering_user(req, uuid))))


def resolve_offering(req, value):
    offering_uuid = uuid_from_url(value, 'marketplace-provider-offerings') or uuid_from_url(value, 'marketplace-public-offerings')
    return req.store.offerings.get(offering_uuid) if offering_uuid else None


def create_offering_user(req):
    """POST {"offering": <offering URL>, "user": <user URL>, "username"}: field errors, then the unique (offering, user)
    pair (#67), then the gate (#63), then the permission, owner only (#69-70). Duplicate usernames are accepted (#71)."""
    store = req.store
    body = req.json_object()
    errors = {}
    offering = resolve_offering(req, body.get('offering'))
    user = store.users.get(uuid_from_url(body.get('user'), 'users') or '')
    for field, found in (('offering', offering), ('user', user)):
        if body.get(field) in (None, ''):
            errors[field] = ['This field is required.']
        elif found is None:
            errors[field] = ['Invalid hyperlink - Object does not exist.']
    username = body.get('username', '')
    if username is not None and not isinstance(username, str):
        errors['username'] = ['Not a valid string.']
    if errors:
        raise bad_request(errors)
    if store.offering_user(offering.uuid, user.uuid) is not None:
        raise bad_request({'non_field_errors': ['The fields offering, user must make a unique set.']})
    if not gate_open(offering):
        raise bad_request(['It is not allowed to create users for current offering.'])
    if not has_permission(req, 'OFFERINGUSER.CREATE', customers=(offering.customer_uuid,)):
        raise forbidden()
    item = store.add_offering_user(offering.uuid, user.uuid, (username or '').strip())
    return json_response(201, serialize_offering_user(req, item))


def update_offering_user(req, uuid):
    """PATCH or PUT: owner only (#74-76); only the username changes (PUT also takes offering and user, as sent)."""
    item = get_offering_user(req, uuid)
    offering = req.store.offerings[item.offering_uuid]
    if not has_permission(req, 'OFFERINGUSER.UPDATE', customers=(offering.customer_uuid,)):
        raise forbidden()
    body = req.json_object()
    if req.method == 'PUT':
        missing = dict((k, ['This field is required.']) for k in ('offering', 'user') if body.get(k) in (None, ''))
        if missing:
            raise bad_request(missing)
    if 'username' in body:
        if body['username'] is not None and not isinstance(body['username'], str):
            raise bad_request({'username': ['Not a valid string.']})
        item.username = (body['username'] or '').strip()
        if item.username:
            item.state = 'OK'
    req.store.touch(item)
    return json_response(200, serialize_offering_user(req, item))


def delete_offering_user(req, uuid):
    item = get_offering_user(req, uuid)
    offering = req.store.offerings[item.offering_uuid]
    if not has_permission(req, 'OFFERINGUSER.DELETE', customers=(offering.customer_uuid,)):
        raise ApiError(403, {'detail': 'You do not have permission to delete this user.'})  # its own message (#89)
    del req.store.offering_users[item.uuid]
    return empty_response(204)


def update_restricted(req, uuid):
    """POST .../update_restricted/ {"is_restricted": bool} -> 200, empty (#87-88). Owner (inferred, as update)."""
    item = get_offering_user(req, uuid)
    offering = req.store.offerings[item.offering_uuid]
    if not has_permission(req, 'OFFERINGUSER.UPDATE', customers=(offering.customer_uuid,)):
        raise forbidden()
    value = req.json_object().get('is_restricted')
    if not isinstance(value, bool):
        raise bad_request({'is_restricted': ['Must be a valid boolean.']})
    item.is_restricted = value
    req.store.touch(item)
    return empty_response()


# ---------------------------------------------------------------- usernames across a provider's offerings

def live_offerings_of(store, user_uuid, customer_uuid):
    """Offerings of the provider with a resource that is not Terminated in a project the user has a role in."""
    projects = set(r.scope_uuid for r in store.roles if r.scope_type == 'project' and r.user_uuid == user_uuid)
    result = []
    for resource in store.resources.values():
        offering = store.offerings[resource.offering_uuid]
        if (resource.project_uuid in projects and resource.state != 'Terminated' and offering.customer_uuid == customer_uuid
                and offering.uuid not in result):
            result.append(offering.uuid)
    return result


def set_offerings_username(req, uuid):
    """POST marketplace-service-providers/<uuid>/set_offerings_username/ {"user_uuid", "username"}: owner only (#79);
    upserts the username on every offering of the provider where the user has a live resource, whatever the gate
    (#78, #81-83). 201 {"detail": "Offering users have been set."}."""
    store = req.store
    provider = get_service_provider(req, uuid)
    if not has_permission(req, 'SERVICE_PROVIDER.SET_OFFERINGS_USERNAME', customers=(provider.customer_uuid,)):
        raise forbidden()
    body = req.json_object()
    errors = dict((k, ['This field is required.']) for k in ('user_uuid', 'username') if body.get(k) in (None, ''))
    if errors:
        raise bad_request(errors)
    user_uuid = parse_uuid(str(body['user_uuid']))
    if user_uuid is None or user_uuid not in store.users:
        dashed = str(uuid_mod.UUID(user_uuid)) if user_uuid else body['user_uuid']
        raise bad_request(['A user with the uuid [%s] is not found.' % dashed])
    username = str(body['username']).strip()
    for offering_uuid in live_offerings_of(store, user_uuid, provider.customer_uuid):
        item = store.offering_user(offering_uuid, user_uuid)
        if item is None:
            store.add_offering_user(offering_uuid, user_uuid, username)
        elif item.username != username:
            item.username = username
            item.state = 'OK'
            store.touch(item)
    return json_response(201, {'detail': 'Offering users have been set.'})


# ---------------------------------------------------------------- project membership (consumer side)

def get_project(req, uuid):
    key = parse_uuid(uuid)
    project = req.store.projects.get(key) if key else None
    if project is None or not can_see_project(req, project):
        raise not_found('Project')
    if not has_permission(req, 'PROJECT.UPDATE_MEMBERS', customers=(project.customer_uuid,), projects=(project.uuid,)):
        raise forbidden()
    return project


def member_body(req):
    body = req.json_object()
    user = req.store.users.get(parse_uuid(str(body.get('user') or '')) or '')
    errors = {}
    if user is None:
        errors['user'] = ['This field is required.' if body.get('user') in (None, '') else 'Invalid user.']
    if body.get('role') not in PROJECT_ROLES:
        errors['role'] = ['Invalid role.']
    if errors:
        raise bad_request(errors)
    return user, body['role']


def add_user(req, uuid):
    """POST /api/projects/<uuid>/add_user/ {"user": <uuid>, "role": "PROJECT.MEMBER"} -> 201 (#65). Then Waldur creates
    an offering user with username "" on each gated offering with an OK resource in the project (#66); a user who has
    one already keeps it (#72)."""
    store = req.store
    project = get_project(req, uuid)
    user, role = member_body(req)
    if not any(r.user_uuid == user.uuid and r.scope_uuid == project.uuid and r.role == role for r in store.roles):
        store.roles.append(RoleAssignment(user_uuid=user.uuid, role=role, scope_type='project', scope_uuid=project.uuid,
                                          created=store.now()))
    for resource in list(store.resources.values()):
        offering = store.offerings[resource.offering_uuid]
        if (resource.project_uuid == project.uuid and resource.state == 'OK' and gate_open(offering)
                and store.offering_user(offering.uuid, user.uuid) is None):
            store.add_offering_user(offering.uuid, user.uuid, '')
    return json_response(201, {'expiration_time': None})


def delete_user(req, uuid):
    """POST /api/projects/<uuid>/delete_user/ {"user", "role"} -> 200, empty (#150-151); offering users stay (inferred)."""
    store = req.store
    project = get_project(req, uuid)
    user, role = member_body(req)
    store.roles = [r for r in store.roles if not (r.user_uuid == user.uuid and r.scope_uuid == project.uuid and r.role == role)]
    return empty_response()


def routes(v8):
    """(method, path regex, handler) of this domain. 7.0.7 has no offering-user state actions (HTML 404, RL707 #85-86);
    the 8.0.5 OpenAPI subset lists none either, so they are not emulated in 8.x."""
    del v8
    detail = r'^/api/marketplace-offering-users/(?P<uuid>[^/]+)/'
    return [
        ('GET', r'^/api/marketplace-offering-users/$', list_offering_users),
        ('POST', r'^/api/marketplace-offering-users/$', create_offering_user),
        ('GET', detail + '$', retrieve_offering_user),
        ('PATCH', detail + '$', update_offering_user),
        ('PUT', detail + '$', update_offering_user),
        ('DELETE', detail + '$', delete_offering_user),
        ('POST', detail + 'update_restricted/$', update_restricted),
        ('POST', r'^/api/marketplace-service-providers/(?P<uuid>[^/]+)/set_offerings_username/$', set_offerings_username),
        ('POST', r'^/api/projects/(?P<uuid>[^/]+)/add_user/$', add_user),
        ('POST', r'^/api/projects/(?P<uuid>[^/]+)/delete_user/$', delete_user),
    ]
