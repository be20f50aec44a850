"""Compiled functions kept per worker process, so a slider moved in the Mini App (or a
lab button pressed in the chat) does not differentiate and ``lambdify`` the same
function again: the symbolic work costs tens of milliseconds, a descent a fraction."""

from __future__ import annotations

from bot.cache import LRU
from bot.engine.expr import parse_function
from bot.engine.objective import Objective, compile_objective

#: Functions kept per worker (each holds a few compiled NumPy callables).
KEPT = 256

_compiled: LRU[str, Objective] = LRU(KEPT)


def objective(text: str) -> Objective:
    """f, ∇f and the Hessian of ``text`` (already normalised to ASCII by the command's
    parser); a text that is refused raises ExpressionError and is not kept."""
    found = _compiled.get(text)
    if found is None:
        found = compile_objective(parse_function(text))
        _compiled.put(text, found)
    return found
