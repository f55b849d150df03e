# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: run_record
short_description: What a provision or report_usage run would change or changed, as JSON or Markdown
version_added: 0.2.0
description:
  - The last step of the roles puhuri.core.provision and puhuri.core.report_usage (their C(puhuri_plan_json) and
    C(puhuri_plan_markdown)), a machine-readable record of the run for a CI job and a short Markdown summary it can
    publish (for GitHub Actions, in E(GITHUB_STEP_SUMMARY)).
  - Built from the registered result of the bulk module (puhuri.core.puhuri_resource_state or
    puhuri.core.puhuri_usage). Per allocation it keeps only what those results already show, never a secret (report
    bodies are never in them).
author:
  - puhuri.core developers (@puhuri)
positional: _input, role, check_mode, output
options:
  _input:
    description: The registered result of the role's bulk module task (may be skipped, with no results).
    type: dict
    required: true
  role:
    description: The role, V(provision) or V(report_usage).
    type: str
    required: true
  check_mode:
    description: Whether the run was in check mode (C(ansible_check_mode)).
    type: bool
    default: false
  output:
    description: V(json) (a JSON text) or V(markdown).
    type: str
    default: json
'''

EXAMPLES = r'''
- name: Write the plan for the CI job
  ansible.builtin.copy:
    content: "{{ result | puhuri.core.run_record('provision', ansible_check_mode, 'markdown') }}"
    dest: plan.md
    mode: "0644"
  check_mode: false
'''

RETURN = r'''
_value:
  description:
    - With O(output=json), a JSON object as text with C(role), C(mode) (C(check) or C(apply)), C(period) (usage),
      C(counts) (C(changed), C(unchanged), C(failed), C(skipped)) and C(allocations), one entry per allocation that
      changes, changed, failed or was skipped, with C(uuid), C(name), C(backend_id), C(changed), C(failed),
      C(skipped), C(msg), C(actions) (provision), C(before) and C(after).
    - With O(output=markdown), a heading, one line of counts and a table of those allocations.
  type: str
'''

import json

from ansible.errors import AnsibleFilterError

ROLES = ('provision', 'report_usage')
KEPT = ('name', 'backend_id', 'changed', 'failed', 'skipped', 'msg', 'actions', 'before', 'after')


def run_record(result, role, check_mode=False, output='json'):
    if role not in ROLES:
        raise AnsibleFilterError('run_record: role must be one of %s, got %r' % (', '.join(ROLES), role))
    if output not in ('json', 'markdown'):
        raise AnsibleFilterError("run_record: output must be 'json' or 'markdown', got %r" % (output,))
    record = _record(result or {}, role, check_mode)
    if output == 'json':
        return json.dumps(record, indent=2, sort_keys=True) + '\n'
    return _markdown(record)


def _record(result, role, check_mode):
    entries = []
    for item in result.get('results') or []:
        entry = dict((key, item[key]) for key in KEPT if key in item)
        entry['uuid'] = item.get('uuid') or item.get('resource_uuid')
        entries.append(entry)
    shown = [e for e in entries if e.get('changed') or e.get('failed') or e.get('skipped')]
    counts = {
        'changed': len([e for e in entries if e.get('changed')]),
        'failed': len([e for e in entries if e.get('failed')]),
        'skipped': len([e for e in entries if e.get('skipped')]),
        # The state module counts unchanged allocations instead of listing them; the usage module lists them.
        'unchanged': result.get('unchanged', len(entries) - len(shown)),
    }
    record = {'role': role, 'mode': 'check' if check_mode else 'apply', 'counts': counts, 'allocations': shown}
    if result.get('period'):
        record['period'] = result['period']
    return record


def _changes(entry):
    if entry.get('actions'):
        return ', '.join(entry['actions'])
    before, after = entry.get('before') or {}, entry.get('after') or {}
    if isinstance(before, dict) and isinstance(after, dict):
        return ', '.join('%s %s → %s' % (key, before.get(key, '–'), after[key])
                         for key in sorted(after) if before.get(key) != after[key])
    return ''


def _cell(text):
    return str(text if text is not None else '').replace('|', '\\|').replace('\n', ' ')


def _markdown(record):
    counts = record['counts']
    verb = 'would change' if record['mode'] == 'check' else 'changed'
    title = 'plan (check mode)' if record['mode'] == 'check' else 'applied'
    period = ' for %s' % record['period'] if record.get('period') else ''
    lines = ['### puhuri.core.%s: %s%s' % (record['role'], title, period),
             '',
             '%d allocation(s) %s, %d unchanged, %d failed, %d skipped.'
             % (counts['changed'], verb, counts['unchanged'], counts['failed'], counts['skipped'])]
    if record['allocations']:
        lines += ['', '| allocation | uuid | what | result |', '| --- | --- | --- | --- |']
        for entry in record['allocations']:
            outcome = 'failed: %s' % entry.get('msg') if entry.get('failed') else (
                'skipped: %s' % entry.get('msg') if entry.get('skipped') else verb)
            cells = (entry.get('name') or entry.get('backend_id'), entry.get('uuid'), _changes(entry), outcome)
            lines.append('| %s | `%s` | %s | %s |' % tuple(_cell(text) for text in cells))
    return '\n'.join(lines) + '\n'


class FilterModule(object):
    def filters(self):
        return {'run_record': run_record}
