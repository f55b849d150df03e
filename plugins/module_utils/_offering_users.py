# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of puhuri_offering_user: the username of a user in an offering (an offering user).

Reads first (the offering's gate, its offering users), then per declared user: nothing when the username is equal,
PATCH the offering user that exists (Waldur creates one with username "" when a user joins a project with an OK
resource of a gated offering, RL707 #65-66), POST only when there is none.
Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, client_from_module, fail_api, uuid_problem,
)

OFFERINGS = 'marketplace-provider-offerings/'
OFFERING_USERS = 'marketplace-offering-users/'
GATE = 'service_provider_can_create_offering_user'
OFFERING_USER_FIELDS = ['uuid', 'user_uuid', 'username', 'state']


class Declared(object):
    """One declared username: what was asked, what the server holds, what was done."""

    def __init__(self, offering_uuid, user_uuid, username):
        self.offering_uuid = normalize_uuid(offering_uuid)
        self.user_uuid = normalize_uuid(user_uuid)
        self.username = username.strip()
        self.before = None          # the username held, or None when there is no offering user
        self.offering_user_uuid = None
        self.state = None           # 8.x only
        self.action = None          # 'create', 'update' or None (nothing to send)
        self.changed = False
        self.problems = []
        self.msg = ''

    @property
    def label(self):
        return 'user %s in offering %s' % (self.user_uuid, self.offering_uuid)

    def result(self):
        failed = bool(self.problems)
        result = dict(offering_uuid=self.offering_uuid, user_uuid=self.user_uuid, username=self.username,
                      before=self.before, after=self.before if failed and not self.changed else self.username,
                      offering_user_uuid=self.offering_user_uuid, changed=self.changed, failed=failed,
                      msg='; '.join(self.problems) if failed else self.msg)
        if self.state is not None:
            result['state'] = self.state
        return result


def input_problems(items, allow_duplicates):
    """Problems of the declarations, before any request: UUIDs, empty usernames, one user twice, and (unless
    allow_duplicates) one username for two users of one offering."""
    problems, seen, by_username = [], {}, {}
    for index, item in enumerate(items):
        where = 'offering_users[%d]' % index if len(items) > 1 else ''
        item_problems = [p for p in (uuid_problem('offering_uuid', item['offering_uuid']),
                                     uuid_problem('user_uuid', item['user_uuid'])) if p]
        if item['offering_uuid'] is None:
            item_problems.append('offering_uuid is required (per item or at the top level)')
        if not isinstance(item['username'], str) or not item['username'].strip():
            item_problems.append('username must be a non-empty string')
        if item_problems:
            problems.extend('%s%s' % (where + ': ' if where else '', p) for p in item_problems)
            continue
        offering, user = normalize_uuid(item['offering_uuid']), normalize_uuid(item['user_uuid'])
        if (offering, user) in seen:
            problems.append('%s: user %s is declared twice for offering %s' % (where, user, offering))
        seen[(offering, user)] = True
        by_username.setdefault((offering, item['username'].strip()), set()).add(user)
    if not allow_duplicates:
        for (offering, username), users in sorted(by_username.items()):
            if len(users) > 1:
                problems.append('username %r is declared for %d users of offering %s (%s); the server would accept it, '
                                'so it is refused here; set allow_duplicates: true if it is meant'
                                % (username, len(users), offering, ', '.join(sorted(users))))
    return problems


class OfferingUsers(object):
    """Read, plan and write the declared usernames (the single form is a list of one)."""

    def __init__(self, client, declared, check_mode=False, allow_duplicates=False):
        self.client = client
        self.declared = declared
        self.check_mode = check_mode
        self.allow_duplicates = allow_duplicates

    def run(self):
        by_offering = {}
        for item in self.declared:
            by_offering.setdefault(item.offering_uuid, []).append(item)
        for offering, items in by_offering.items():
            try:
                held = self.read(offering)
            except PuhuriApiError as error:
                for item in items:
                    item.problems.append(str(error))
                continue
            if held is None:
                continue  # the gate is off: every item failed with the reason
            self.plan(items, held)
            for item in items:
                if not item.problems:
                    self.write(item)

    def read(self, offering):
        """{user uuid: offering user} of the offering, or None when its gate is off (its items then fail)."""
        fields = [('field', 'uuid'), ('field', 'name'), ('field', 'secret_options')]
        detail = self.client.get(OFFERINGS + offering + '/', params=fields)
        secret = detail.get('secret_options')
        if isinstance(secret, dict) and not secret.get(GATE):
            for item in self.declared:
                if item.offering_uuid == offering:
                    item.problems.append(
                        'offering %s (%s) does not let its provider manage offering users: its option %s is off. Turn '
                        'it on in the portal (or with update_integration, which replaces all secret_options, so this '
                        'module never changes it); nothing was sent' % (offering, detail.get('name'), GATE))
            return None
        listed = self.client.list(OFFERING_USERS, params={'offering_uuid': offering}, fields=OFFERING_USER_FIELDS)
        return dict((normalize_uuid(row['user_uuid']), row) for row in listed)

    def plan(self, items, held):
        for item in items:
            row = held.get(item.user_uuid)
            if row is not None:
                item.before = row.get('username') or ''
                item.offering_user_uuid = normalize_uuid(row['uuid'])
                item.state = row.get('state')
            if row is not None and item.before == item.username:
                item.msg = 'unchanged'
                continue
            others = sorted(user for user, other in held.items()
                            if user != item.user_uuid and (other.get('username') or '') == item.username)
            if others and not self.allow_duplicates:
                item.problems.append('username %r is already the username of user(s) %s in this offering; the server '
                                     'would accept a duplicate, so nothing was sent; set allow_duplicates: true if it '
                                     'is meant' % (item.username, ', '.join(others)))
                continue
            item.action = 'update' if row is not None else 'create'

    def write(self, item):
        if item.action is None:
            return
        verb = 'set' if item.action == 'update' else 'created'
        if self.check_mode:
            item.changed = True
            item.msg = 'would be %s (check mode)' % verb
            return
        try:
            if item.action == 'update':
                # PATCH overwrites the username: re-sending it after a lost answer is harmless.
                answer = self.client.request('PATCH', OFFERING_USERS + item.offering_user_uuid + '/',
                                             body={'username': item.username}, expected=(200,), retry_safe=True).json()
            else:
                answer = self.create(item)
        except PuhuriApiError as error:
            item.changed = bool(error.uncertain)
            item.problems.append(str(error))
            return
        except ValueError:
            item.changed = True
            item.problems.append('the server answered the %s without a JSON body' % item.action)
            return
        item.changed = True
        item.offering_user_uuid = normalize_uuid(str(answer.get('uuid') or item.offering_user_uuid or ''))
        item.state = answer.get('state', item.state)
        item.msg = verb

    def create(self, item):
        """POST, sent once: a lost answer is settled by reading the offering user back (a second POST of the pair
        would be refused as not unique)."""
        body = {'offering': self.client.api_url + OFFERINGS + item.offering_uuid + '/',
                'user': self.client.api_url + 'users/%s/' % item.user_uuid, 'username': item.username}
        try:
            return self.client.request('POST', OFFERING_USERS, body=body, expected=(201,), retry_safe=False).json()
        except PuhuriApiError as error:
            if not error.uncertain:
                raise
            rows = self.client.list(OFFERING_USERS, params={'offering_uuid': item.offering_uuid,
                                                            'user_uuid': item.user_uuid}, fields=OFFERING_USER_FIELDS)
            if rows and (rows[0].get('username') or '') == item.username:
                return rows[0]
            raise


def run_module(module):
    params = module.params
    if params['offering_users'] is None:
        items = [dict(offering_uuid=params['offering_uuid'], user_uuid=params['user_uuid'], username=params['username'])]
    else:
        items = [dict(item, offering_uuid=item['offering_uuid'] or params['offering_uuid'])
                 for item in params['offering_users']]
        if not items:
            module.fail_json(msg='offering_users is empty: give at least one {user_uuid, username}', changed=False)
    problems = input_problems(items, params['allow_duplicates'])
    if problems:
        module.fail_json(msg='; '.join(problems), changed=False, results=[])
    declared = [Declared(item['offering_uuid'], item['user_uuid'], item['username']) for item in items]
    client = client_from_module(module)
    runner = OfferingUsers(client, declared, check_mode=module.check_mode, allow_duplicates=params['allow_duplicates'])
    try:
        runner.run()
    except PuhuriApiError as error:
        fail_api(module, error, changed=any(d.changed for d in declared), results=[d.result() for d in declared])
    results = [d.result() for d in declared]
    output = dict(changed=any(r['changed'] for r in results), results=results)
    if params['offering_users'] is None:
        output.update(dict((key, results[0][key]) for key in ('before', 'after', 'offering_user_uuid')))
        if 'state' in results[0]:
            output['state'] = results[0]['state']
    if module._diff:
        output['diff'] = [{'before_header': r['user_uuid'], 'after_header': r['user_uuid'],
                           'before': {'username': r['before']}, 'after': {'username': r['after']}}
                          for r in results if r['changed']]
    failed = [d for d in declared if d.problems]
    if failed:
        if params['offering_users'] is None:
            module.fail_json(msg='%s: %s' % (failed[0].label, '; '.join(failed[0].problems)), **output)
        module.fail_json(msg='%d of %d offering users failed: %s' % (len(failed), len(declared), '; '.join(
            '%s: %s' % (d.label, '; '.join(d.problems)) for d in failed)), **output)
    module.exit_json(**output)
