# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""UUIDs as Waldur writes them. A file of its own, without requests, so the filters that check declarations do not
import the HTTP stack on the controller (about 0.1 s for each ansible-playbook run that uses them).

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

UUID_RE = re.compile(r'^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def is_uuid(value):
    return isinstance(value, str) and bool(UUID_RE.match(value))


def normalize_uuid(value):
    """Waldur answers with 32 hex characters without dashes; compare in that form."""
    return value.replace('-', '').lower()
