"""The standard library's operations as data: one row per operation.

Every stage reads the same row: the checker (which methods exist and their types),
the lowering and the IR reader (the IR op), the verifier (the signature), codegen
(how to emit it and which runtime symbol to call) and the reference evaluator (by
matching on the op). Math functions (``math.py``), list operations (``lists.py``) and
string operations (``strings.py``) are tables. Adding a string method is a row here, its case in
``evaluator/texts.py`` and, when it needs one, its function in ``cocompile/relon_rt.rs``.
"""

from __future__ import annotations

from .lists import ListOp
from .math import MathOp
from .strings import Emit, StringOp

__all__ = ["Emit", "ListOp", "MathOp", "StringOp"]
