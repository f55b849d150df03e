# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-alone, stdlib-only emulator of the Waldur MasterMind API as a service provider sees it.

    from emulator import Emulator, TOKENS   # with tests/ on sys.path
    emu = Emulator(waldur_version='7.0.7').start()
    emu.url   # http://127.0.0.1:<port>/api/

See README.md beside this file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from .server import TOKENS, Emulator

__all__ = ['Emulator', 'TOKENS']
