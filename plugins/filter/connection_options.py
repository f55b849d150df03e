# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: connection_options
short_description: The connection options a role's variables set, for module_defaults
version_added: 0.2.0
description:
  - Used by the roles of puhuri.core. Returns the connection options (see the modules' O(ignore:api_url) and
    following) whose values are set, that is neither null nor empty; the others are left out.
  - The roles give the result to their module tasks as C(module_defaults) of each module. Options that are left
    out then come from the play's C(module_defaults) (C(group/puhuri.core.puhuri)), or else from the modules'
    environment variables. An option passed as a task argument, even as C(omit), would hide the play's
    C(module_defaults); this way a role sets only what its variables say.
author:
  - puhuri.core developers (@puhuri)
positional: _input, api_token, validate_certs, ca_path, timeout, retries, retry_budget, retry_delay
options:
  _input:
    description: The API root (O(ignore:api_url)).
    type: str
    required: true
  api_token:
    description: The API token.
    type: str
  validate_certs:
    description: Whether to verify the server's TLS certificate.
    type: bool
  ca_path:
    description: A PEM file of CA certificates.
    type: path
  timeout:
    description: Seconds to wait for one answer.
    type: float
  retries:
    description: How many times one call is re-sent after a transient fault.
    type: int
  retry_budget:
    description: The most seconds one call may take in all.
    type: float
  retry_delay:
    description: Seconds before the first retry.
    type: float
'''

EXAMPLES = r'''
- name: Read the allocations with the connection the role variables set
  puhuri.core.puhuri_resource_info:
    state: [Creating]
  module_defaults:
    puhuri.core.puhuri_resource_info: >-
      {{ puhuri_api_url | puhuri.core.connection_options(puhuri_api_token, puhuri_validate_certs, puhuri_ca_path,
         puhuri_timeout, puhuri_retries, puhuri_retry_budget, puhuri_retry_delay) }}
'''

RETURN = r'''
_value:
  description: The options that are set, by their module option names (C(api_url), C(api_token), ...).
  type: dict
'''

from ansible_collections.puhuri.core.plugins.module_utils._connection import CONNECTION_OPTIONS


def connection_options(api_url, *others):
    """{option: value} of the connection options given (in CONNECTION_OPTIONS order) that are neither None nor ''."""
    values = (api_url,) + others
    return dict((name, value) for name, value in zip(CONNECTION_OPTIONS, values) if value is not None and value != '')


class FilterModule(object):
    def filters(self):
        return {'connection_options': connection_options}
