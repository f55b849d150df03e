#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_offering_user
short_description: Declare the username of a user in a Puhuri Core offering (offering users)
version_added: 0.2.0
description:
  - Declares the local username a user has in one of your offerings (an offering user,
    C(/api/marketplace-offering-users/)). Users see it in the portal; per-user usage is reported under it.
  - Reads first, then sends only what is needed. Nothing is sent when the username is already the declared one.
    When an offering user exists (Waldur creates one with an empty username when a user joins a project that has an
    OK allocation of the offering), it is changed with C(PATCH). Only when none exists is one created with C(POST).
  - Duplicate usernames in one offering are refused before anything is sent, unless O(allow_duplicates=true). The
    server itself accepts them.
  - The offering's option C(service_provider_can_create_offering_user) must be on. When it is off, the provider sees
    no offering users and may create none, so the task fails, naming the offering and the option, and sends nothing.
    The module never turns the option on. C(update_integration) replaces all C(secret_options) of the offering, so
    turning it on from here could clear other secret options.
  - On Waldur 8.x an offering user has a C(state) (C(Requested), C(OK), ...). The result returns it. Setting a
    username moves an offering user to C(OK). The state actions of later versions (C(begin_creating), C(set_ok), ...)
    are not in the 8.0.5 API this collection is built against, so they are never sent.
  - Bulk form O(offering_users) declares many usernames with one read of each offering and one listing of its
    offering users.
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
attributes:
  check_mode:
    support: full
    description: Makes the same reads and decisions, sends nothing, and returns what would be sent.
  diff_mode:
    support: full
    description: Shows the username before and after of each offering user that changes.
options:
  offering_uuid:
    description:
      - The offering (its UUID). In the bulk form it applies to items without their own O(offering_users[].offering_uuid).
    type: str
  user_uuid:
    description: The user (their Waldur UUID, as in an allocation's team). Single form; needs O(username).
    type: str
  username:
    description: The user's username in the offering. Leading and trailing white space is removed, as the server does.
    type: str
  offering_users:
    description: The bulk form. Mutually exclusive with O(user_uuid) and O(username).
    type: list
    elements: dict
    suboptions:
      offering_uuid:
        description: The offering; defaults to the top-level O(offering_uuid).
        type: str
      user_uuid:
        description: The user.
        type: str
        required: true
      username:
        description: The username.
        type: str
        required: true
  allow_duplicates:
    description:
      - Allow a username that another user of the same offering has (or is declared with) already.
    type: bool
    default: false
notes:
  - Creating and changing offering users needs the token of the provider organisation's owner (Waldur 7.0.7). A
    service-provider or offering manager gets HTTP 403, shown as the server sends it.
  - A POST whose answer was lost is not sent again. The module reads the offering user back instead, because a second
    POST of the same user and offering is refused.
seealso:
  - module: puhuri.core.puhuri_resource_info
  - module: puhuri.core.puhuri_usage
'''

EXAMPLES = r'''
- name: The username of one user in the Slurm offering
  puhuri.core.puhuri_offering_user:
    offering_uuid: 589178d685345873968f291a0fe38482
    user_uuid: e9e57f50524058bfbe4b48b4544699d1
    username: pmember

- name: Several users of one offering in one task
  puhuri.core.puhuri_offering_user:
    offering_uuid: 589178d685345873968f291a0fe38482
    offering_users:
      - {user_uuid: e9e57f50524058bfbe4b48b4544699d1, username: pmember}
      - {user_uuid: db40a63c046153f29e9ac9fd3315f792, username: cowner}
'''

RETURN = r'''
results:
  description: One result per declared username, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    offering_uuid:
      description: The offering.
      type: str
    user_uuid:
      description: The user.
      type: str
    username:
      description: The declared username.
      type: str
    before:
      description: The username held before (C("") for an offering user Waldur created), or null when there was none.
      type: str
    after:
      description: The username after the task (or, in check mode, after it would run).
      type: str
    offering_user_uuid:
      description: The offering user's UUID; null when none exists yet (check mode).
      type: str
    state:
      description: The offering user's state (Waldur 8.x only).
      type: str
      returned: when the server has offering-user states
    changed:
      description: Whether it was (or, in check mode, would be) created or changed.
      type: bool
    failed:
      description: Whether it failed.
      type: bool
    msg:
      description: C(unchanged), C(set), C(created), C(would be ... (check mode)), or why it failed.
      type: str
before:
  description: Single form, as RV(results[].before).
  returned: single form
  type: str
after:
  description: Single form, as RV(results[].after).
  returned: single form
  type: str
offering_user_uuid:
  description: Single form, as RV(results[].offering_user_uuid).
  returned: single form
  type: str
state:
  description: Single form, as RV(results[].state).
  returned: single form, when the server has offering-user states
  type: str
'''

from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriModule, argument_spec
from ansible_collections.puhuri.core.plugins.module_utils._offering_users import run_module


def main():
    module = PuhuriModule(
        argument_spec=argument_spec(
            offering_uuid=dict(type='str'),
            user_uuid=dict(type='str'),
            username=dict(type='str'),
            offering_users=dict(type='list', elements='dict', options=dict(
                offering_uuid=dict(type='str'),
                user_uuid=dict(type='str', required=True),
                username=dict(type='str', required=True),
            )),
            allow_duplicates=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('user_uuid', 'offering_users'), ('username', 'offering_users')],
        required_one_of=[('user_uuid', 'offering_users')],
        required_together=[('user_uuid', 'username')],
        supports_check_mode=True,
    )
    run_module(module)


if __name__ == '__main__':
    main()
