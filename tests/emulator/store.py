# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's data: plain objects in dicts keyed by uuid, loaded from seed.json.

Dicts keep insertion order, which is creation order; list endpoints rely on it for the default ordering.
Indexes (orders and usages per resource) keep the large `extra_allocations` lists linear.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os
import re

from .common import new_uuid, parse_dt

DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seed.json')

RESOURCE_STATES = ('Creating', 'OK', 'Erred', 'Updating', 'Terminating', 'Terminated')
ORDER_STATES = ('pending-consumer', 'pending-provider', 'pending-project', 'pending-start-date', 'executing', 'done', 'erred',
                'canceled', 'rejected')
PENDING_ORDER_STATES = ('pending-consumer', 'pending-provider', 'pending-project', 'pending-start-date', 'executing')
ORDER_TYPES = ('Create', 'Update', 'Terminate', 'Restore')

# SLURM allocation (scope) states of waldur_core's StateMixin, used by marketplace-slurm-remote/set_state and the
# Slurm Update trap (RL707 #5-16): number -> display name of the allocation's `details/`.
ALLOCATION_STATE_NAMES = {1: 'Update Scheduled', 2: 'Updating', 3: 'OK', 4: 'Erred', 5: 'Creation Scheduled', 6: 'Creating',
                          7: 'Deletion Scheduled', 8: 'Deleting'}
ALLOCATION_UPDATE_SCHEDULED = 1
ALLOCATION_OK = 3
ALLOCATION_CREATION_SCHEDULED = 5


def load_seed(path=None):
    with open(path or DEFAULT_SEED) as handle:
        return json.load(handle)


def seed_tokens(path=None):
    """username -> token of the seed users."""
    return dict((u['username'], u['token']) for u in load_seed(path)['users'])


def clone(value):
    """A deep copy of JSON-like data (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return dict((k, clone(v)) for k, v in value.items())
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def slugify(text):
    return re.sub(r'[^a-z0-9_]+', '-', text.lower()).strip('-')


class Record(object):
    """A bag of attributes with defaults; each model lists its fields in FIELDS."""
    FIELDS = {}

    def __init__(self, **values):
        for name, default in self.FIELDS.items():
            value = values.pop(name, default)
            setattr(self, name, clone(value))  # never share mutable defaults or seed data
        if values:
            raise TypeError('%s: unknown fields %s' % (type(self).__name__, sorted(values)))


class User(Record):
    FIELDS = {'uuid': None, 'username': '', 'full_name': '', 'email': '', 'password': '', 'token': '', 'is_staff': False,
              'is_support': False, 'slug': '', 'id': 0, 'created': None}


class RoleDefinition(Record):
    FIELDS = {'name': '', 'uuid': None, 'description': ''}


class RoleAssignment(Record):
    """A user's role on a scope: scope_type is customer, project or offering."""
    FIELDS = {'user_uuid': None, 'role': '', 'scope_type': '', 'scope_uuid': None, 'created': None, 'expiration_time': None}


class Customer(Record):
    FIELDS = {'uuid': None, 'name': '', 'slug': '', 'abbreviation': '', 'created': None}


class Project(Record):
    FIELDS = {'uuid': None, 'name': '', 'customer_uuid': None, 'slug': '', 'description': '', 'created': None, 'end_date': None}


class Category(Record):
    FIELDS = {'uuid': None, 'title': ''}


class ServiceProvider(Record):
    FIELDS = {'uuid': None, 'customer_uuid': None, 'description': '', 'created': None}


class Component(Record):
    FIELDS = {'uuid': None, 'type': '', 'name': '', 'description': '', 'measured_unit': '', 'billing_type': 'usage',
              'limit_period': None, 'limit_amount': None, 'min_value': 0, 'max_value': None, 'default_limit': None,
              'article_code': '', 'is_boolean': False}


class Plan(Record):
    FIELDS = {'uuid': None, 'name': 'Default', 'description': '', 'unit': 'month', 'prices': {}, 'archived': False}


class Offering(Record):
    FIELDS = {'uuid': None, 'name': '', 'slug': '', 'type': 'Marketplace.Basic', 'customer_uuid': None, 'category_uuid': None,
              'state': 'Active', 'shared': True, 'billable': True, 'description': '', 'terms_of_service': '', 'plugin_options': {},
              'secret_options': {},
              'components': [], 'plans': [], 'created': None, 'backend_id': ''}

    def component(self, ctype):
        for component in self.components:
            if component.type == ctype:
                return component
        return None

    def plan(self, plan_uuid):
        for plan in self.plans:
            if plan.uuid == plan_uuid:
                return plan
        return None


class Resource(Record):
    FIELDS = {'uuid': None, 'name': '', 'slug': '', 'description': '', 'offering_uuid': None, 'plan_uuid': None, 'project_uuid': None,
              'state': 'Creating', 'backend_id': '', 'limits': {}, 'attributes': {}, 'report': None, 'backend_metadata': {},
              'current_usages': {}, 'error_message': '', 'error_traceback': '', 'end_date': None, 'options': None,
              'allocation_state': None, 'allocation_uuid': None, 'plan_period_uuid': None, 'created': None, 'modified': None,
              'last_sync': None}


class Order(Record):
    FIELDS = {'uuid': None, 'type': 'Create', 'state': 'pending-provider', 'resource_uuid': None, 'offering_uuid': None,
              'plan_uuid': None, 'project_uuid': None, 'attributes': {}, 'limits': {}, 'created_by_uuid': None, 'error_message': '',
              'error_traceback': '', 'consumer_reviewed_by_uuid': None, 'consumer_reviewed_at': None, 'provider_reviewed_by_uuid': None,
              'provider_reviewed_at': None, 'completed_at': None, 'provider_rejection_comment': '', 'backend_id': '',
              'callback_url': None, 'request_comment': None, 'switches_plan': False, 'created': None, 'modified': None}


class ComponentUsage(Record):
    FIELDS = {'uuid': None, 'resource_uuid': None, 'type': '', 'usage': None, 'date': None, 'billing_period': None, 'description': '',
              'recurring': False, 'modified_by': None, 'created': None}


class OfferingUser(Record):
    FIELDS = {'uuid': None, 'offering_uuid': None, 'user_uuid': None, 'username': '', 'is_restricted': False, 'state': 'OK',
              'created': None, 'modified': None}


class ComponentUserUsage(Record):
    """A per-user row of a component usage (set_user_usage), keyed by (component usage, username)."""
    FIELDS = {'uuid': None, 'component_usage_uuid': None, 'username': '', 'offering_user_uuid': None, 'usage': None,
              'created': None, 'modified': None}


def _dt(value):
    return parse_dt(value) if value else None


class Store(object):
    """All emulator data plus the clock. Build a fresh one to reset."""

    def __init__(self, seed, clock, extra_allocations=0):
        self.clock = clock
        self.users = {}
        self.tokens = {}
        self.role_definitions = {}
        self.roles = []
        self.customers = {}
        self.projects = {}
        self.categories = {}
        self.service_providers = {}
        self.offerings = {}
        self.resources = {}
        self.orders = {}
        self.usages = {}
        self.offering_users = {}
        self.user_usages = {}
        # 7.0.7 Resource.creation_order is @property @lru_cache(maxsize=1): (resource uuid, Order snapshot) or None
        self.creation_order_cache = None
        self.orders_by_resource = {}
        self.usages_by_resource = {}
        self._slug_counts = {}
        self._load(seed)
        self.add_bulk_allocations(extra_allocations)

    def now(self):
        return self.clock()

    def make_slug(self, name):
        base = slugify(name)[:8].strip('-') or 'item'
        self._slug_counts[base] = self._slug_counts.get(base, 0) + 1
        return '%s-%d' % (base, self._slug_counts[base])

    # ------------------------------------------------------------ seed

    def _load(self, seed):
        for number, data in enumerate(seed['users'], 1):
            user = User(id=number, **dict(data, created=_dt(data.get('created'))))
            self.users[user.uuid] = user
            self.tokens[user.token] = user
        for name, data in seed['role_definitions'].items():
            self.role_definitions[name] = RoleDefinition(name=name, **data)
        for data in seed['customers']:
            self.customers[data['uuid']] = Customer(**dict(data, created=_dt(data.get('created'))))
        for data in seed['projects']:
            self.projects[data['uuid']] = Project(**dict(data, created=_dt(data.get('created'))))
        by_name = dict((u.username, u.uuid) for u in self.users.values())
        for data in seed['roles']:
            self.roles.append(RoleAssignment(user_uuid=by_name[data['user']], role=data['role'], scope_type=data['scope_type'],
                                             scope_uuid=data['scope_uuid'], created=_dt(data.get('created'))))
        for data in seed['categories']:
            self.categories[data['uuid']] = Category(**data)
        for data in seed['service_providers']:
            self.service_providers[data['uuid']] = ServiceProvider(**dict(data, created=_dt(data.get('created'))))
        for data in seed['offerings']:
            values = dict(data, created=_dt(data.get('created')))
            values['components'] = [Component(**c) for c in data.get('components', [])]
            values['plans'] = [Plan(**p) for p in data.get('plans', [])]
            self.offerings[data['uuid']] = Offering(**values)
        for data in seed.get('offering_users', []):
            values = dict(data, created=_dt(data.get('created')), user_uuid=by_name.get(data.get('user'), data.get('user_uuid')))
            values['modified'] = values['created']
            values.pop('user', None)
            self.offering_users[data['uuid']] = OfferingUser(**values)
        for data in seed['resources']:
            self._load_resource(data, by_name)

    def _load_resource(self, data, by_name):
        values = dict(data)
        orders = values.pop('orders', [])
        created = _dt(values.pop('created'))
        values.setdefault('attributes', {'name': values['name']})
        resource = self.add_resource(created=created, modified=_dt(values.pop('modified', None)) or created, **values)
        for order in orders:
            order = dict(order)
            order_created = _dt(order.pop('created', None)) or created
            for key in ('provider_reviewed_at', 'consumer_reviewed_at', 'completed_at'):
                order[key] = _dt(order.get(key))
            order['created_by_uuid'] = by_name[order.pop('created_by')]
            self.add_order(resource, created=order_created, modified=_dt(order.pop('modified', None)) or order_created, **order)

    # ------------------------------------------------------------ creation helpers

    def add_resource(self, **values):
        now = values.get('created') or self.now()
        values.setdefault('created', now)
        values.setdefault('modified', now)
        values.setdefault('uuid', new_uuid())
        if not values.get('slug'):
            values['slug'] = self.make_slug(values['name'])
        values.setdefault('plan_period_uuid', new_uuid())
        if self.offerings[values['offering_uuid']].type == 'Marketplace.Slurm':
            values.setdefault('allocation_uuid', new_uuid())
            if values.get('allocation_state') is None:
                # An allocation ordered through the API stays "Creation Scheduled" until the site agent sets it (RL707 #8);
                # seeded OK allocations are taken as set up by the agent.
                values['allocation_state'] = ALLOCATION_OK if values.get('state') == 'OK' else ALLOCATION_CREATION_SCHEDULED
        resource = Resource(**values)
        self.resources[resource.uuid] = resource
        return resource

    def add_order(self, resource, **values):
        now = values.get('created') or self.now()
        values.setdefault('created', now)
        values.setdefault('modified', now)
        values.setdefault('uuid', new_uuid())
        values.setdefault('offering_uuid', resource.offering_uuid)
        values.setdefault('plan_uuid', resource.plan_uuid)
        values.setdefault('project_uuid', resource.project_uuid)
        values.setdefault('limits', resource.limits if values.get('type', 'Create') == 'Create' else {})
        values.setdefault('attributes', resource.attributes if values.get('type', 'Create') == 'Create' else {})
        order = Order(resource_uuid=resource.uuid, **values)
        self.orders[order.uuid] = order
        self.orders_by_resource.setdefault(resource.uuid, []).append(order)
        return order

    def add_bulk_allocations(self, count):
        """`count` deterministic allocations of Provider Org (see README): mostly OK, some pending, executing, erred, terminated."""
        if not count:
            return
        offerings = list(self.offerings.values())
        slurm = [o for o in offerings if o.type == 'Marketplace.Slurm'][0]
        basic = [o for o in offerings if o.type == 'Marketplace.Basic'][0]
        project = list(self.projects.values())[0]
        consumer = [r for r in self.roles if r.role == 'CUSTOMER.OWNER' and r.scope_uuid == project.customer_uuid][0].user_uuid
        owner = [r for r in self.roles if r.role == 'CUSTOMER.OWNER' and r.scope_uuid == slurm.customer_uuid][0].user_uuid
        base = datetime.datetime(2026, 11, 28, 22, 20, 40, tzinfo=datetime.timezone.utc)
        for index in range(1, count + 1):
            self._add_bulk_allocation(index, slurm, basic, project, consumer, owner, base + datetime.timedelta(milliseconds=index))

    def _add_bulk_allocation(self, index, slurm, basic, project, consumer, owner, created):
        kind = index % 20
        states = {13: ('Creating', 'pending-provider'), 14: ('Creating', 'pending-provider'), 15: ('Creating', 'executing'),
                  16: ('Creating', 'executing'), 17: ('Erred', 'erred'), 18: ('Terminated', 'done')}
        state, order_state = states.get(kind, ('OK', 'done'))
        offering = slurm if (index % 3 or kind in (15, 16, 17)) else basic
        limits = {'cpu_k_hours': 10 + index % 90, 'gpu_k_hours': index % 5} if offering is slurm else {}
        name = 'alloc-bulk-%05d' % index
        values = {'uuid': 'b01c%028x' % index, 'name': name, 'offering_uuid': offering.uuid, 'plan_uuid': offering.plans[0].uuid,
                  'project_uuid': project.uuid, 'state': state, 'limits': limits, 'attributes': {'name': name}, 'created': created}
        if state in ('OK', 'Terminated'):
            values['backend_id'] = 'acct-bulk-%05d' % index
            values['report'] = [{'header': 'Access', 'body': 'ssh acct-bulk-%05d@login.hpc.example.org' % index}]
        if state == 'Erred':
            values['error_message'] = 'Slurm account creation failed'
        resource = self.add_resource(**values)
        reviewed = created if order_state != 'pending-provider' else None
        self.add_order(resource, uuid='b02c%028x' % index, state=order_state, created=created, created_by_uuid=consumer,
                       provider_reviewed_at=reviewed, provider_reviewed_by_uuid=owner if reviewed else None,
                       completed_at=created if order_state == 'done' else None,
                       error_message='Slurm account creation failed' if order_state == 'erred' else '')
        if state == 'Terminated':
            self.add_order(resource, uuid='b03c%028x' % index, type='Terminate', state='done', created=created,
                           created_by_uuid=owner, provider_reviewed_at=created, provider_reviewed_by_uuid=owner, completed_at=created)

    # ------------------------------------------------------------ lookups

    def add_user(self, **values):
        """A new user without roles, with a random token."""
        values.update(uuid=new_uuid(), token=(new_uuid() + new_uuid())[:40], id=len(self.users) + 1, created=self.now())
        values.setdefault('slug', slugify(values['username']))
        user = User(**values)
        self.users[user.uuid] = user
        self.tokens[user.token] = user
        return user

    def user_by_username(self, username):
        for user in self.users.values():
            if user.username == username:
                return user
        return None

    def roles_of(self, user):
        return [r for r in self.roles if r.user_uuid == user.uuid]

    def resource_offering(self, resource):
        return self.offerings[resource.offering_uuid]

    def resource_project(self, resource):
        return self.projects[resource.project_uuid]

    def orders_of(self, resource):
        return self.orders_by_resource.get(resource.uuid, [])

    def pending_order(self, resource):
        for order in self.orders_of(resource):
            if order.state in PENDING_ORDER_STATES:
                return order
        return None

    def creation_order(self, resource):
        for order in self.orders_of(resource):
            if order.type == 'Create':
                return order
        return None

    def usage_rows(self, resource):
        return self.usages_by_resource.get(resource.uuid, {})

    def offering_user(self, offering_uuid, user_uuid):
        for item in self.offering_users.values():
            if item.offering_uuid == offering_uuid and item.user_uuid == user_uuid:
                return item
        return None

    def offering_username(self, offering_uuid, user_uuid):
        item = self.offering_user(offering_uuid, user_uuid)
        return item.username if item else None

    def add_offering_user(self, offering_uuid, user_uuid, username):
        now = self.now()
        item = OfferingUser(uuid=new_uuid(), offering_uuid=offering_uuid, user_uuid=user_uuid, username=username, created=now,
                            modified=now, state='OK' if username else 'Requested')
        self.offering_users[item.uuid] = item
        return item

    def project_members(self, project_uuid):
        """uuids of the users with a role on the project."""
        return set(r.user_uuid for r in self.roles if r.scope_type == 'project' and r.scope_uuid == project_uuid)

    def touch(self, obj):
        obj.modified = self.now()
