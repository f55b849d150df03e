# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection options, checked and turned into a PuhuriClient, for modules and plugins alike.

The options adapter (as in community.hashi_vault): `options` is anything with the connection option names as keys,
a module's params or a plugin's options read with get_option. Nothing here imports ansible.module_utils.basic, so
plugin code (inventory, filters) can use it on the controller.
Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._uuids import is_uuid

# Documented in plugins/doc_fragments/connection.py (DOCUMENTATION for modules, PLUGINS for plugins).
CONNECTION_OPTIONS = ('api_url', 'api_token', 'validate_certs', 'ca_path', 'timeout', 'retries', 'retry_budget',
                      'retry_delay')
CONNECTION_DEFAULTS = dict(validate_certs=True, ca_path=None, timeout=30.0, retries=3, retry_budget=60.0, retry_delay=1.0)
URL_ENV = ['PUHURI_API_URL', 'WALDUR_API_URL']
TOKEN_ENV = ['PUHURI_API_TOKEN', 'WALDUR_API_TOKEN']


def connection_problems(options):
    """Errors in the connection options, each naming the option and what is allowed."""
    problems = []
    url = options.get('api_url')
    if not url:
        problems.append('api_url is required: set the option or the environment variable PUHURI_API_URL '
                        '(the API root, e.g. https://puhuri.example.org/api/)')
    elif not (url.startswith('https://') or url.startswith('http://')) or len(url.split('://', 1)[1].strip('/')) == 0:
        problems.append('api_url must be an http:// or https:// URL of the API root, e.g. https://puhuri.example.org/api/')
    token = options.get('api_token')
    if not token:
        problems.append('api_token is required: set the option (alias access_token) or the environment variable '
                        'PUHURI_API_TOKEN')
    elif any(ch.isspace() for ch in str(token)):
        problems.append('api_token must not contain white space (give the bare key, without "Token ")')
    if options.get('timeout') is not None and options['timeout'] <= 0:
        problems.append('timeout must be a number of seconds greater than 0')
    if options.get('retries') is not None and not 0 <= options['retries'] <= 20:
        problems.append('retries must be a whole number from 0 to 20, got %s' % options['retries'])
    for name in ('retry_budget', 'retry_delay'):
        value = options.get(name)
        if value is not None and not 0 <= value < float('inf'):
            problems.append('%s must be a number of seconds, 0 or more, got %s' % (name, value))
    return problems


def uuid_problem(name, value):
    """'<name> must be a UUID …' when value is set but not a UUID, else None."""
    if value is not None and not is_uuid(value):
        return '%s must be a UUID (32 hex characters, dashes allowed), got %r' % (name, value[:60])
    return None


def client_from_options(options, warn):
    """A PuhuriClient for valid connection options (check connection_problems first); unset options take defaults.

    Every retry is passed to warn, so unattended runs show the faults they rode out.
    """
    # Imported here: the filter connection_options needs only the names above, and importing requests on the
    # controller for it would cost each playbook run about 0.1 s.
    from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriClient

    given = dict((name, options.get(name)) for name in CONNECTION_OPTIONS)
    settings = dict(CONNECTION_DEFAULTS, **dict((k, v) for k, v in given.items() if v is not None))
    return PuhuriClient(settings['api_url'], str(settings['api_token']), validate_certs=settings['validate_certs'],
                        ca_path=settings['ca_path'], timeout=settings['timeout'], retries=settings['retries'],
                        retry_budget=settings['retry_budget'], retry_delay=settings['retry_delay'], warn=warn)
