#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: puhuri_order_info
short_description: List the orders of a Puhuri Core service provider, with their age
version_added: 0.2.0
description:
  - Lists orders (Create, Update, Terminate) from C(/api/marketplace-orders/), the one place that holds an order's
    real state (the copies nested in an allocation can be stale), oldest first, each with its age.
  - Ages are measured against the server's clock (the C(Date) header of its answers), not the controller's.
  - One listing (all pages, or the module fails). Reads only; never changes anything.
  - To act on orders that wait too long, use M(puhuri.core.puhuri_stuck_orders).
author:
  - puhuri.core developers (@puhuri)
extends_documentation_fragment:
  - puhuri.core.connection
  - puhuri.core.provider_filters
  - puhuri.core.provider_filters.orders
  - puhuri.core.read_only
options:
  state:
    description:
      - Only orders in these states (the server's names, case-sensitive).
      - The default, the orders that wait for the provider.
      - An empty list lists orders in every state.
    type: list
    elements: str
    choices: [pending-consumer, pending-provider, pending-project, pending-start-date, executing, done, erred, canceled, rejected]
    default: [pending-provider, executing]
  older_than:
    description:
      - Only orders created at least this long ago (by the server's clock).
      - A number of seconds, or a number followed by C(s), C(m), C(h), C(d) or C(w), for example C(2h) or C(3d).
    type: raw
seealso:
  - module: puhuri.core.puhuri_stuck_orders
  - module: puhuri.core.puhuri_resource_info
'''

EXAMPLES = r'''
- name: Orders that have waited for us more than two hours
  puhuri.core.puhuri_order_info:
    provider_uuid: 9fc511a42dda5ab5beae89e750ad1483
    older_than: 2h
  register: waiting

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.resource_name }}: {{ item.type }} {{ item.state }} for {{ item.age }}"
  loop: "{{ waiting.orders }}"
  loop_control:
    label: "{{ item.uuid }}"
'''

RETURN = r'''
orders:
  description:
    - The orders, oldest first, with the keys below (the server's names) plus RV(orders[].age_seconds) and RV(orders[].age).
    - C(marketplace_resource_uuid) is the allocation; the order's own C(resource_uuid) is not used.
  returned: always
  type: list
  elements: dict
  sample:
    - uuid: 46efd621a362409aaa94397b09206fde
      type: Create
      state: pending-provider
      created: "2026-11-28T22:20:35.400000Z"
      offering_name: HPC Slurm (site agent)
      offering_type: Marketplace.Slurm
      marketplace_resource_uuid: e5fff443d2ec45aa8e7cfed9cc653497
      resource_name: alloc-4
      limits: {cpu_k_hours: 10, gpu_k_hours: 2}
      age_seconds: 7203
      age: 2h 0m
  contains:
    age_seconds:
      description: Whole seconds since the order was created, by the server's clock.
      type: int
    age:
      description: The same age for people, for example C(2d 3h).
      type: str
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
from ansible_collections.puhuri.core.plugins.module_utils._orders import ORDER_STATES, filter_spec, run_order_info


def main():
    module = PuhuriModule(argument_spec=argument_spec(**filter_spec(ORDER_STATES)), supports_check_mode=True)
    run_order_info(module)


if __name__ == '__main__':
    main()
