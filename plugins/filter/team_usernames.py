# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: team_usernames
short_description: The offering usernames a username policy gives the members of allocation teams
version_added: 0.2.0
description:
  - Turns the active allocations with their teams (as puhuri.core.puhuri_resource_info returns them with
    C(include=[team])) into the O(ignore:offering_users) list of puhuri.core.puhuri_offering_user. Used by the role
    puhuri.core.team.
  - One item per user and offering the user has an allocation of. A user in O(mapping) (by portal username) gets
    that username; otherwise O(pattern), when given, makes it from the member's fields; users with neither are left
    out, so their offering username stays as it is.
author:
  - puhuri.core developers (@puhuri)
positional: _input, mapping, pattern, offerings
options:
  _input:
    description: The allocations, each with C(offering_uuid) and C(team).
    type: list
    elements: dict
    required: true
  mapping:
    description: "Portal username to offering username, for example C({project-member: pmember})."
    type: dict
  pattern:
    description:
      - A Python format string over the member's fields C(username), C(uuid), C(full_name), C(email) and
        C(email_local) (the part of the e-mail before C(@)), for example C(hpc_{username}). Characters other than
        letters, digits, C(.), C(_) and C(-) in the result are replaced by C(_).
    type: str
  offerings:
    description: Only allocations of these offerings (UUIDs); empty, all.
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: The usernames for the members of our active allocations
  ansible.builtin.set_fact:
    declared: "{{ listing.resources | puhuri.core.team_usernames({'project-member': 'pmember'}, 'hpc_{username}') }}"
'''

RETURN = r'''
_value:
  description: The items, each with C(offering_uuid), C(user_uuid), C(username).
  type: list
  elements: dict
'''

import re
import string

from ansible.errors import AnsibleFilterError

FIELDS = ['username', 'uuid', 'full_name', 'email', 'email_local']
UNSAFE_RE = re.compile(r'[^A-Za-z0-9._-]')


def pattern_problem(pattern):
    """What is wrong with a pattern (unknown fields, bad format), or None."""
    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as error:
        return 'pattern %r is not a valid format string: %s' % (pattern, error)
    unknown = sorted(set(name for name in names if name not in FIELDS))
    if unknown or not names:
        return 'pattern %r must use the member fields {%s} only, and at least one of them%s' % (
            pattern, '}, {'.join(FIELDS), '; unknown: %s' % ', '.join(unknown) if unknown else '')
    return None


def username_of(user, mapping, pattern):
    if user.get('username') in mapping:
        return str(mapping[user['username']]).strip()
    if not pattern:
        return None
    email = user.get('email') or ''
    fields = dict((name, str(user.get(name) or '')) for name in FIELDS[:4])
    fields['email_local'] = email.split('@', 1)[0]
    return UNSAFE_RE.sub('_', pattern.format(**fields))


def team_usernames(allocations, mapping=None, pattern=None, offerings=None):
    mapping = mapping or {}
    if not isinstance(mapping, dict):
        raise AnsibleFilterError('mapping must be a dict of portal username: offering username')
    if pattern:
        problem = pattern_problem(pattern)
        if problem:
            raise AnsibleFilterError(problem)
    wanted = set(str(uuid).replace('-', '').lower() for uuid in offerings or [])
    items, seen = [], set()
    for allocation in allocations or []:
        offering = str(allocation.get('offering_uuid') or '').replace('-', '').lower()
        if not offering or (wanted and offering not in wanted):
            continue
        for user in allocation.get('team') or []:
            key = (offering, user.get('uuid'))
            username = username_of(user, mapping, pattern)
            if key in seen or not username:
                continue
            seen.add(key)
            items.append(dict(offering_uuid=offering, user_uuid=user['uuid'], username=username))
    return items


class FilterModule(object):
    def filters(self):
        return {'team_usernames': team_usernames}
