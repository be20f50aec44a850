"""The lab-claim language (bot/curriculum/claims.py): what it reads, what it computes,
and that it refuses what it does not know instead of running it."""

from __future__ import annotations

import math

import pytest

from bot.curriculum.claims import ClaimError, check_claim, evaluate, parse_claim

DATA = {
    "steps": 25,
    "final_value": 6.2e-3,
    "verdict": "converged",
    "best": None,
    "runs": [
        {"optimizer": "sgd", "lr": 0.035, "final_value": 8.0e-6, "path": [[-4, 1], [-3.7, -0.75], [-3.4, 0.56]]},
        {"optimizer": "momentum", "lr": 0.01, "final_value": 4.9e-4, "path": [[-4, 1], [-3.9, 0.5], [-3.7, 0.2]]},
    ],
    "products": [1.5, 2.25, 3.375],
    "flat": [1.0, 1.0, 2.0],
}


@pytest.mark.parametrize(("text", "value"), [
    ("steps", 25),
    ("runs[0].optimizer", "sgd"),
    ("runs[-1].lr", 0.01),
    ("runs[optimizer=momentum].final_value", 4.9e-4),
    ('runs[optimizer="sgd"].lr', 0.035),
    ("runs[lr=0.035].optimizer", "sgd"),
    ("runs[*].optimizer", ["sgd", "momentum"]),
    ("runs[optimizer=sgd].path[*][1]", [1, -0.75, 0.56]),
    ("len(runs)", 2.0),
    ("last(products)", 3.375),
    ("first(products)", 1.5),
    ("max(products)", 3.375),
    ("min(1, 2, -3)", -3.0),
    ("sum(products)", 1.5 + 2.25 + 3.375),
    ("diff(products)", [0.75, 1.125]),
    ("abs(runs[optimizer=sgd].path[*][1])", [1, 0.75, 0.56]),
    ("sum(abs(diff(runs[optimizer=sgd].path[*][1])))", 1.75 + 1.31),
    ("sign_changes(runs[optimizer=sgd].path[*][1])", 2.0),
    ("sign_changes(runs[optimizer=momentum].path[*][1])", 0.0),
    ("-2 * (1 + 3) / 4 - 1", -3.0),
    ("2 - 3 - 4", -5.0),
    ("1e-3", 1e-3),
    ("best", None),
])
def test_expressions_evaluate_to_their_independent_values(text: str, value: object) -> None:
    result = evaluate(parse_claim(f"{text} == 0").left, DATA)
    if isinstance(value, float) and isinstance(result, float):
        assert math.isclose(result, value, rel_tol=1e-12)
    elif isinstance(value, list) and value and isinstance(value[0], float):
        assert result == pytest.approx(value, rel=1e-12)
    else:
        assert result == value


@pytest.mark.parametrize(("text", "holds"), [
    ("runs[optimizer=momentum].final_value < runs[optimizer=sgd].final_value", False),
    ("runs[optimizer=sgd].final_value < 0.1 * runs[optimizer=momentum].final_value", True),
    ("steps == 25", True),
    ("steps != 25", False),
    ("steps >= 25", True),
    ("steps > 25", False),
    ("steps <= 24", False),
    ('verdict == "converged"', True),
    ('verdict != "converged"', False),
    ("best == null", True),
    ("increasing(products)", True),
    ("decreasing(products)", False),
    ("increasing(flat)", False),  # strict
    ("nondecreasing(flat)", True),
    ("nonincreasing(flat)", False),
    ("decreasing(runs[*].final_value)", False),
    ("increasing(runs[*].final_value)", True),
])
def test_claims_hold_exactly_when_they_should(text: str, holds: bool) -> None:
    assert check_claim(parse_claim(text), DATA).holds is holds


def test_a_false_comparison_reports_both_sides() -> None:
    verdict = check_claim(parse_claim("last(products) > 57"), DATA)
    assert not verdict.holds
    assert "3.375" in verdict.detail and "57" in verdict.detail


@pytest.mark.parametrize(("text", "message"), [
    ("steps", "states nothing"),
    ("steps < ", "ends too early"),
    ("steps < 1 < 2", "one comparison per claim"),
    ("steps = 25", "expected a comparison"),
    ("__import__('os') == 1", "cannot read"),
    ("eval(steps) == 1", "unknown function «eval»"),
    ("steps.__class__ == 1", None),  # a key the data lacks: refused when evaluated
    ("runs[optimizer=] == 1", r"inside \[ \] write"),
    ("runs[1.5] == 1", r"inside \[ \] write"),
    ("runs. == 1", "a field name must follow"),
    ("(steps < 1", r"expected «\)»"),
    ("x" * 301, "longer than"),
])
def test_malformed_claims_are_refused_when_read(text: str, message: str | None) -> None:
    if message is None:
        with pytest.raises(ClaimError, match="not a dict|no «__class__»"):
            check_claim(parse_claim(text), DATA)
        return
    with pytest.raises(ClaimError, match=message):
        parse_claim(text)


@pytest.mark.parametrize(("text", "message"), [
    ("nothing < 1", "no «nothing» at «top»"),
    ("runs[optimizer=adam].lr < 1", "matches 0 items, not one"),
    ("runs[5].lr < 1", "has 2 items: no index 5"),
    ("steps[0] < 1", "is not a list"),
    ("verdict < 1", "not a number"),
    ("increasing(steps)", "not a list"),
    ("increasing(runs[*].optimizer)", "not a number"),
    ("len(steps) == 1", "not a list"),
    ("steps / 0 < 1", "division by zero"),
    ("max(steps, 1) < len(runs, runs)", "takes one argument"),
])
def test_claims_that_do_not_fit_the_data_say_why(text: str, message: str) -> None:
    with pytest.raises(ClaimError, match=message):
        check_claim(parse_claim(text), DATA)
