# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The provider and offering filters of the listing modules (puhuri_resource_info, puhuri_order_info,
    # puhuri_stuck_orders, puhuri_audit_info). The wording says "what belongs to" because each module narrows
    # something else with them: allocations, orders, or both and the usage.
    DOCUMENTATION = r'''
options:
  provider_uuid:
    description:
      - Only what belongs to the offerings of this provider organisation.
      - The organisation's (customer's) UUID, not the UUID of its service-provider record
        (C(marketplace-service-providers)).
    type: str
  offering_uuid:
    description: Only what belongs to this offering.
    type: str
'''

    # The further filters of the two order modules (plugins/module_utils/_orders.py filter_spec); they extend with
    # both puhuri.core.provider_filters and puhuri.core.provider_filters.orders.
    ORDERS = r'''
options:
  resource_uuid:
    description: Only orders of this allocation (marketplace resource UUID).
    type: str
  type:
    description: Only orders of these types, any of C(Create), C(Update), C(Terminate) (any case).
    type: list
    elements: str
'''
