"""A City of Data `requires` expression as prerequisite groups of powers.

The game writes a power's requirement as a boolean expression over power names and game
conditions: "Pool.Fighting.Boxing || Pool.Fighting.Kick", or "!Inherent.Fitness.Health &&
(Pool.Fitness.Hurdle || Pool.Fitness.Quick)", or "($archetype == @Class_Blaster) &&
(Owned?(...) || ...)". The planner needs only what the build itself must hold: groups of
powers of which any one group, taken whole, meets the requirement (power_prerequisites).

So every term that is not a power we know (a negation, a function call such as Owned?(X)
or ownPowerNum?(Epic) > 1, a comparison) counts as met, and the expression is expanded to
a disjunction of conjunctions. A group that needs no power at all makes the power free of
prerequisites.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CALL = re.compile(r"[\w.]+\?\([^()]*\)")
_COMPARISON = re.compile(r"[\w$@.?]+\s*(?:==|!=|>=|<=|>|<|\beq\b)\s*[\w$@.'\"]+")
_NEGATION = re.compile(r"!\s*[\w.]+")
_TOKEN = re.compile(r"\s*(&&|\|\||\(|\)|[\w.]+)")
MET = "1"

Group = frozenset[str]


def prerequisite_groups(expression: str, is_power: Callable[[str], bool]) -> list[tuple[str, ...]]:
    """The alternatives of powers that meet `expression`; [] when it asks for no power.

    Args:
        is_power: True for a name that is a power of the game data (case as written).
    """
    if not expression or not expression.strip():
        return []
    simplified = _NEGATION.sub(MET, _COMPARISON.sub(MET, _CALL.sub(MET, expression)))
    tokens = _tokens(simplified)
    if tokens is None:
        return []
    position = 0

    def parse_or() -> list[Group]:
        nonlocal position
        groups = parse_and()
        while position < len(tokens) and tokens[position] == "||":
            position += 1
            groups = groups + parse_and()
        return groups

    def parse_and() -> list[Group]:
        nonlocal position
        groups = parse_atom()
        while position < len(tokens) and tokens[position] == "&&":
            position += 1
            right = parse_atom()
            groups = [left | other for left in groups for other in right]
        return groups

    def parse_atom() -> list[Group]:
        nonlocal position
        if position >= len(tokens):
            return [frozenset()]
        token = tokens[position]
        position += 1
        if token == "(":
            inner = parse_or()
            if position < len(tokens) and tokens[position] == ")":
                position += 1
            return inner
        if token in ("&&", "||", ")"):
            return [frozenset()]
        return [frozenset({token})] if token != MET and is_power(token) else [frozenset()]

    groups = parse_or()
    if any(not group for group in groups):
        return []
    unique = list(dict.fromkeys(tuple(sorted(group)) for group in groups))
    # A group that holds another is never the cheaper way to meet the requirement.
    return [group for group in unique if not any(set(other) < set(group) for other in unique)]


def _tokens(expression: str) -> list[str] | None:
    tokens: list[str] = []
    position = 0
    while position < len(expression):
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if match is None:
            # Something this reader does not know: treat the whole requirement as met
            # rather than invent one.
            return None
        tokens.append(match.group(1))
        position = match.end()
    return tokens
