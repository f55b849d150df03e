# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options every puhuri.core module and plugin takes (plugins/module_utils/_connection.py).
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - The root of the Puhuri Core / Waldur REST API, including C(/api/), for example C(https://puhuri.example.org/api/).
      - A missing trailing slash is added.
      - If not set, the environment variable E(PUHURI_API_URL) is used, then E(WALDUR_API_URL).
    type: str
  api_token:
    description:
      - The API token of a user holding a role in the provider organisation (owner, service-provider manager or
        offering manager). Sent in the C(Authorization) header as C(Token <api_token>); never logged.
      - If not set, the environment variable E(PUHURI_API_TOKEN) is used, then E(WALDUR_API_TOKEN).
    type: str
    aliases: [access_token]
  validate_certs:
    description:
      - Verify the server's TLS certificate. Turn off only for test servers.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the server's certificate with, instead of the system's.
    type: path
  timeout:
    description:
      - Seconds to wait for the server to answer one request (the connection itself waits at most 10 seconds).
    type: float
    default: 30
  retries:
    description:
      - How many times one API call is re-sent after a transient fault, each time after a warning
        (C(retry 1/3 of POST /api/... after HTTP 503, waiting 1.2s)). C(0) turns retries off.
      - Re-sent are reads, and writes that have the same effect when sent twice (setting the backend ID, submitting
        the report, setting usage), after connection failures, timeouts, dropped connections and HTTP 502, 503 and
        504; any call after HTTP 429 (throttled) or when the connection could not be opened at all.
      - Other writes (approve, reject, terminate, finishing an order) are never re-sent blindly. When their outcome is
        uncertain (no answer, or a gateway error), the module reads the allocation again and decides from what it
        finds whether the action still has to be sent.
    type: int
    default: 3
  retry_budget:
    description:
      - The most seconds one API call may take in all, its retries and waits included. A retry whose wait would end
        later is not made; the call fails with its last error.
      - A C(Retry-After) asked for by the server (HTTP 429) is honoured within this budget.
    type: float
    default: 60
  retry_delay:
    description:
      - Seconds to wait before the first retry; each further retry waits twice as long. Every wait is randomised
        between half and all of that (jitter), so many hosts do not retry in step.
    type: float
    default: 1
notes:
  - Proxies are taken from the standard environment variables E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY).
'''

    # Plugins (puhuri.core.allocations) extend with both fragments: puhuri.core.connection for the descriptions and
    # defaults, puhuri.core.connection.plugins for where else a value may come from. Among env entries the last one
    # set wins, so PUHURI_* is listed last and beats WALDUR_*, as for the modules.
    PLUGINS = r'''
options:
  api_url:
    env:
      - name: WALDUR_API_URL
      - name: PUHURI_API_URL
    vars:
      - name: puhuri_api_url
  api_token:
    env:
      - name: WALDUR_API_TOKEN
      - name: PUHURI_API_TOKEN
    vars:
      - name: puhuri_api_token
  validate_certs:
    env:
      - name: PUHURI_VALIDATE_CERTS
    vars:
      - name: puhuri_validate_certs
  ca_path:
    env:
      - name: PUHURI_CA_PATH
    vars:
      - name: puhuri_ca_path
  timeout:
    env:
      - name: PUHURI_TIMEOUT
    vars:
      - name: puhuri_timeout
  retries:
    env:
      - name: PUHURI_RETRIES
    vars:
      - name: puhuri_retries
  retry_budget:
    env:
      - name: PUHURI_RETRY_BUDGET
    vars:
      - name: puhuri_retry_budget
  retry_delay:
    env:
      - name: PUHURI_RETRY_DELAY
    vars:
      - name: puhuri_retry_delay
'''
