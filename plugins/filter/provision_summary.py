# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: provision_summary
short_description: What the role puhuri.core.provision did, in lines of text
version_added: 0.2.0
description:
  - The last step of the role puhuri.core.provision, usable on its own.
  - One line with the number of allocations that changed (in check mode, would change), one per such allocation with
    its name and actions, and one with the C(Creating) allocations that were not declared.
author:
  - puhuri.core developers (@puhuri)
positional: _input, plan, policy, check_mode
options:
  _input:
    description: The registered result of the bulk puhuri.core.puhuri_resource_state task (empty when skipped).
    type: dict
    required: true
  plan:
    description: The result of puhuri.core.provision_plan.
    type: dict
    required: true
  policy:
    description: The policy for undeclared C(Creating) allocations.
    type: str
    default: leave
  check_mode:
    description: Whether the play runs in check mode.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Show what was done
  ansible.builtin.debug:
    msg: "{{ result | puhuri.core.provision_summary(plan, 'leave', ansible_check_mode) }}"
'''

RETURN = r'''
_value:
  description: The lines.
  type: list
  elements: str
'''


def provision_summary(result, plan, policy='leave', check_mode=False):
    changed = [r for r in (result or {}).get('results') or [] if r.get('changed')]
    lines = ['%d allocation(s) %s' % (len(changed), 'would change' if check_mode else 'changed')]
    lines.extend('%s: %s' % (r.get('name'), ', '.join(r.get('actions') or [])) for r in changed)
    undeclared = plan.get('undeclared') or []
    names = ', '.join(str(a.get('name')) for a in undeclared)
    lines.append('%d Creating allocation(s) not declared (policy %s)%s' % (len(undeclared), policy, ': ' + names if names else ''))
    lines.extend('%s: %s order %s by triage rule %s' % (t.get('name'), t.get('type'), t.get('decision'), t.get('rule'))
                 for t in plan.get('triaged') or [])
    left = plan.get('left') or []
    if left:
        lines.append('%d pending Update/Terminate order(s) left in the portal (policy leave): %s'
                     % (len(left), ', '.join('%s (%s)' % (a.get('name'), a.get('order_type')) for a in left)))
    return lines


class FilterModule(object):
    def filters(self):
        return {'provision_summary': provision_summary}
