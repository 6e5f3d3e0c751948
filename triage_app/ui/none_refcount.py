"""Keep Python's None alive under PySide6 6.12 on Python 3.11.

PySide6 6.12 returns None from void C++ methods (``setText``, ``addItem``, ``setToolTip``…)
without taking a reference to it, which is harmless on Python 3.12 and later, where None is
immortal (PEP 683). On Python 3.11 every such call lowers None's reference count by one; after a
few thousand calls (about thirty moves through the queue with the compare pane open) the
interpreter aborts with "Fatal Python error: none_dealloc: deallocating None".

Raising None's count once by 2**40 gives it, in effect, the immortality it has on 3.12: at a
million calls a second that many lost references would take over a week of continuous use.
``protect_none()`` runs when this module is imported; the program's entry point and the test
set-up should import it before any window exists."""

from __future__ import annotations

import ctypes
import sys

_MARGIN = 1 << 40
_done = False


def protect_none() -> bool:
    """Make None effectively immortal on Python < 3.12; returns whether it changed anything."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    # ob_refcnt is the first field of every CPython object, at the object's address.
    ctypes.c_ssize_t.from_address(id(None)).value += _MARGIN
    _done = True
    return True


protect_none()
