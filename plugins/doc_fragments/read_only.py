# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of the modules that only read (the *_info modules).
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs it as usual.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
'''
