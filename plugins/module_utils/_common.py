# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every module shares: the connection argument spec, building the client from it, and failing cleanly.

Modules only (it imports AnsibleModule); plugins use _connection."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import dataclasses
from collections.abc import Mapping

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common import warnings as core_warnings
from ansible.module_utils.errors import NoLogError

from ansible_collections.puhuri.core.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, PuhuriApiError
from ansible_collections.puhuri.core.plugins.module_utils._connection import (
    CONNECTION_DEFAULTS, TOKEN_ENV, URL_ENV, client_from_options, connection_problems, uuid_problem,
)

# Documented in plugins/doc_fragments/connection.py.
CONNECTION_ARGUMENT_SPEC = dict(
    api_url=dict(type='str', fallback=(env_fallback, URL_ENV)),
    api_token=dict(type='str', no_log=True, aliases=['access_token'], fallback=(env_fallback, TOKEN_ENV)),
    validate_certs=dict(type='bool', default=CONNECTION_DEFAULTS['validate_certs']),
    ca_path=dict(type='path'),
    timeout=dict(type='float', default=CONNECTION_DEFAULTS['timeout']),
    retries=dict(type='int', default=CONNECTION_DEFAULTS['retries']),
    retry_budget=dict(type='float', default=CONNECTION_DEFAULTS['retry_budget']),
    retry_delay=dict(type='float', default=CONNECTION_DEFAULTS['retry_delay']),
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
        self.keep_occurring_no_log_values(dict(kwargs, msg=msg))
        super(PuhuriModule, self).fail_json(msg=msg, **kwargs)

    def exit_json(self, **kwargs):
        self.keep_occurring_no_log_values(kwargs)
        super(PuhuriModule, self).exit_json(**kwargs)

    def keep_occurring_no_log_values(self, result):
        """ansible-core masks every no_log value in every string it returns, one str.replace per pair: with a report
        body per declared allocation that is 0.2 s for 100 changed allocations among 1,000 declared. A value that
        occurs in none of the returned strings cannot be masked anywhere, so only those that occur are kept: the
        output is the one ansible-core would return. Returned: the result, the warnings and deprecations, and the
        arguments when the result has no invocation of its own (ansible-core then adds them)."""
        returned = [result, core_warnings.get_warning_messages(), core_warnings.get_deprecation_messages(), MASKS]
        # ansible-core 2.19 and later return records (dataclasses) of them, with more fields than the message.
        returned.extend(getattr(core_warnings, name)() for name in ('get_warnings', 'get_deprecations')
                        if hasattr(core_warnings, name))
        if 'invocation' not in result:
            returned.append(getattr(self, 'params', None))
        self.no_log_values = needed_no_log_values(self.no_log_values, returned)


# What ansible-core puts in place of a masked value: a value occurring in them stays, as it would be masked there too.
MASKS = ['********', 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER']


def needed_no_log_values(values, returned):
    """The no_log values that occur in some text of `returned`: its strings, bytes, keys and the text of its other
    scalars (ansible-core masks numbers by their text too), through mappings, sequences, sets and dataclasses (the
    warning records of ansible-core 2.19 and later)."""
    texts, pending = [], [returned]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, bytes):
            texts.append(value.decode('utf-8', 'surrogateescape'))
        elif isinstance(value, Mapping):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            pending.extend(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            pending.extend(getattr(value, field.name) for field in dataclasses.fields(value))
        elif value is not None and not isinstance(value, bool):
            texts.append(str(value))
    haystack = '\0'.join(texts)
    return set(value for value in values
               if (value.decode('utf-8', 'surrogateescape') if isinstance(value, bytes) else str(value)) in haystack)


def argument_spec(**module_options):
    """The module's own options plus the shared connection options."""
    spec = dict(CONNECTION_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def client_from_module(module):
    """A PuhuriClient for the module's connection options; fails the module on missing requests or bad options."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    problems = connection_problems(module.params)
    if problems:
        module.fail_json(msg='; '.join(problems))
    return client_from_options(module.params, module.warn)


def read_src(module, **output):
    """The text of the module's file src (UTF-8, read on the host the module runs on), or None without src; a file
    that cannot be read fails the module naming src, with `output` (nothing sent yet)."""
    path = module.params['src']
    if path is None:
        return None
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8')
    except (IOError, OSError) as error:
        module.fail_json(msg='src %s cannot be read: %s' % (path, error.strerror or error), changed=False, **output)
    except UnicodeDecodeError as error:
        module.fail_json(msg='src %s is not UTF-8 text: %s' % (path, error), changed=False, **output)


def fail_bulk(module, failures, total, outcome, **output):
    """How a bulk task ends when some allocations failed: after all the others were done, one message naming each
    failure in input order. failures: (label, why) pairs; outcome: e.g. 'failed' ('2 of 5 allocations failed: ...')."""
    module.fail_json(msg='%d of %d allocations %s: %s' % (len(failures), total, outcome, '; '.join(
        '%s: %s' % failure for failure in failures)), **output)


def fail_api(module, error, **result):
    """fail_json for a PuhuriApiError: method, path, status and the server's message; no traceback."""
    module.fail_json(msg=str(error), method=error.method, path=error.path, status=error.status,
                     server_message=error.message, **result)


__all__ = ['PuhuriApiError', 'PuhuriModule', 'argument_spec', 'client_from_module', 'fail_api', 'fail_bulk', 'connection_problems',
           'read_src', 'uuid_problem']
