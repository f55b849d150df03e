#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_stuck_orders
short_description: Find the orders that wait too long for a Puhuri Core provider, and fail them if told to
version_added: 0.2.0
description:
  - Lists the orders that have waited longer than O(older_than) in C(pending-provider) or C(executing), read from
    C(/api/marketplace-orders/) with their age by the server's clock (one listing), and applies O(policy) to them.
  - O(policy=report) (the default) only returns them. O(policy=fail) rejects each C(pending-provider) order
    (C(reject_by_provider) with O(fail_message) as C(provider_rejection_comment), which Waldur 8.x stores and 7.0.7
    ignores) and sets each C(executing) C(Marketplace.Slurm) order erred (C(set_state_erred) with O(fail_message) as its
    C(error_message)). An executing order of another offering type cannot be failed by the provider; it is left as
    it is, with a warning.
  - "What failing does to the allocation: a rejected Create order terminates it; a rejected Update or Terminate
    order leaves it OK. An erred Create or Update order makes it Erred; an erred Terminate order puts it back to OK."
  - A failed order is no longer waiting, so running the task again changes nothing.
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
  - puhuri.core.provider_filters
  - puhuri.core.provider_filters.orders
attributes:
  check_mode:
    support: full
    description: Lists the orders and says what O(policy) would send (RV(orders[].outcome) C(planned)); sends nothing.
  diff_mode:
    support: full
    description: Shows the state of each order the policy fails, before and after.
options:
  older_than:
    description:
      - The age from which an order counts as stuck (by the server's clock, from the order's C(created)).
      - A number of seconds, or a number followed by C(s), C(m), C(h), C(d) or C(w), for example C(2h) or C(3d).
    type: raw
    required: true
  policy:
    description:
      - C(report) returns the stuck orders and changes nothing; C(fail) fails them as described above.
    type: str
    choices: [report, fail]
    default: report
  fail_message:
    description:
      - With O(policy=fail), the text the consumer sees (rejection comment or the order's error message).
    type: str
    default: The provider could not process this order in time; please contact the provider.
  state:
    description: Only orders in these of the two waiting states.
    type: list
    elements: str
    choices: [pending-provider, executing]
    default: [pending-provider, executing]
notes:
  - Rejecting and failing orders needs the provider organisation owner's token by default.
  - A call whose answer was lost is never re-sent; the order is read again and judged by its state.
seealso:
  - module: puhuri.core.puhuri_order_info
'''

EXAMPLES = r'''
- name: Report what has waited for us more than a day
  puhuri.core.puhuri_stuck_orders:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    older_than: 1d
  register: stuck

- name: Fail Slurm orders stuck for a week, with a message for the consumer
  puhuri.core.puhuri_stuck_orders:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    older_than: 7d
    policy: fail
    fail_message: Not processed within a week; please order again or write to support@hpc.example.org.
'''

RETURN = r'''
orders:
  description:
    - The stuck orders, oldest first, as M(puhuri.core.puhuri_order_info) returns them, each with RV(orders[].action)
      and RV(orders[].outcome).
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description: The call the policy sends (C(reject_by_provider), C(set_state_erred)), or null.
      type: str
    outcome:
      description:
        - C(reported) (policy report), C(planned) (check mode), C(done), C(skipped) (no call can fail it, see
          RV(orders[].reason)), C(changed meanwhile) (someone else moved the order first) or C(failed).
      type: str
    reason:
      description: Why the order was skipped, changed meanwhile or failed.
      type: str
      returned: when RV(orders[].outcome) is C(skipped), C(changed meanwhile) or C(failed)
  sample:
    - uuid: 46efd621a362409aaa94397b09206fde
      type: Create
      state: pending-provider
      resource_name: alloc-4
      age_seconds: 90061
      age: 1d 1h
      action: reject_by_provider
      outcome: done
count:
  description: The number of orders in RV(orders).
  returned: always
  type: int
  sample: 1
now:
  description: The time the ages are measured from (UTC).
  returned: always
  type: str
  sample: "2026-11-29T00:20:38Z"
now_source:
  description: C(server) (its C(Date) header), or C(controller) when the server sent no C(Date).
  returned: always
  type: str
  sample: server
'''

from ansible_collections.puhuri.core.plugins.module_utils._common import PuhuriModule, argument_spec
from ansible_collections.puhuri.core.plugins.module_utils._orders import (
    DEFAULT_FAIL_MESSAGE, STUCK_STATES, filter_spec, run_stuck_orders,
)


def main():
    spec = filter_spec(STUCK_STATES)
    spec.update(
        older_than=dict(type='raw', required=True),
        policy=dict(type='str', choices=['report', 'fail'], default='report'),
        fail_message=dict(type='str', default=DEFAULT_FAIL_MESSAGE),
    )
    module = PuhuriModule(argument_spec=argument_spec(**spec), supports_check_mode=True)
    run_stuck_orders(module)


if __name__ == '__main__':
    main()
