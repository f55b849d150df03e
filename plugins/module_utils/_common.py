# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every module shares: the connection options, building the client from them, and failing cleanly."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.errors import NoLogError

from ansible_collections.puhuri.core.plugins.module_utils._client import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, PuhuriApiError, PuhuriClient, is_uuid,
)

# Keep in sync with plugins/doc_fragments/connection.py.
CONNECTION_ARGUMENT_SPEC = dict(
    api_url=dict(type='str', fallback=(env_fallback, ['PUHURI_API_URL', 'WALDUR_API_URL'])),
    api_token=dict(type='str', no_log=True, aliases=['access_token'],
                   fallback=(env_fallback, ['PUHURI_API_TOKEN', 'WALDUR_API_TOKEN'])),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    timeout=dict(type='float', default=30.0),
    retries=dict(type='int', default=3),
    retry_budget=dict(type='float', default=60.0),
    retry_delay=dict(type='float', default=1.0),
)


class PuhuriModule(AnsibleModule):
    """AnsibleModule whose argument errors name the option and never echo the token.

    ansible-core collects the no_log values (the token, report bodies) before it checks types. Where a plain string
    stands for a list of dicts (e.g. allocations), that scan fails first, with a message naming no option, and it
    stops before it has the secrets, so the failure would echo every argument, the token in clear text. Here the
    type error ansible-core finds next, which names the option, is shown, and the arguments are not echoed.
    """

    def fail_json(self, msg, **kwargs):
        found = getattr(getattr(self, 'validation_result', None), 'errors', None)
        errors = found.errors if found is not None else []
        if errors and msg == errors[0].msg and isinstance(errors[0], NoLogError):
            named = [error for error in errors if not isinstance(error, NoLogError)]
            msg = named[0].msg if named else msg
            kwargs['invocation'] = {'module_args': {}}
        super(PuhuriModule, self).fail_json(msg=msg, **kwargs)


def argument_spec(**module_options):
    """The module's own options plus the shared connection options."""
    spec = dict(CONNECTION_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def connection_problems(params):
    """Errors in the connection options, each naming the option and what is allowed."""
    problems = []
    url = params.get('api_url')
    if not url:
        problems.append('api_url is required: set the option or the environment variable PUHURI_API_URL '
                        '(the API root, e.g. https://puhuri.example.org/api/)')
    elif not (url.startswith('https://') or url.startswith('http://')) or len(url.split('://', 1)[1].strip('/')) == 0:
        problems.append('api_url must be an http:// or https:// URL of the API root, e.g. https://puhuri.example.org/api/')
    token = params.get('api_token')
    if not token:
        problems.append('api_token is required: set the option (alias access_token) or the environment variable '
                        'PUHURI_API_TOKEN')
    elif any(ch.isspace() for ch in token):
        problems.append('api_token must not contain white space (give the bare key, without "Token ")')
    if params.get('timeout') is not None and params['timeout'] <= 0:
        problems.append('timeout must be a number of seconds greater than 0')
    if params.get('retries') is not None and not 0 <= params['retries'] <= 20:
        problems.append('retries must be a whole number from 0 to 20, got %s' % params['retries'])
    for name in ('retry_budget', 'retry_delay'):
        value = params.get(name)
        if value is not None and not 0 <= value < float('inf'):
            problems.append('%s must be a number of seconds, 0 or more, got %s' % (name, value))
    return problems


def uuid_problem(name, value):
    """'<name> must be a UUID …' when value is set but not a UUID, else None."""
    if value is not None and not is_uuid(value):
        return '%s must be a UUID (32 hex characters, dashes allowed), got %r' % (name, value[:60])
    return None


def client_from_module(module):
    """A PuhuriClient for the module's connection options; fails the module on missing requests or bad options."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    problems = connection_problems(module.params)
    if problems:
        module.fail_json(msg='; '.join(problems))
    params = module.params
    # Every retry becomes a warning of the task, so unattended runs show the faults they rode out.
    return PuhuriClient(params['api_url'], params['api_token'], validate_certs=params['validate_certs'],
                        ca_path=params['ca_path'], timeout=params['timeout'], retries=params['retries'],
                        retry_budget=params['retry_budget'], retry_delay=params['retry_delay'], warn=module.warn)


def fail_api(module, error, **result):
    """fail_json for a PuhuriApiError: method, path, status and the server's message; no traceback."""
    module.fail_json(msg=str(error), method=error.method, path=error.path, status=error.status,
                     server_message=error.message, **result)


__all__ = ['PuhuriApiError', 'PuhuriModule', 'argument_spec', 'client_from_module', 'fail_api', 'connection_problems', 'uuid_problem']
