"""Tests for bot.engine.optimizers against independently derived references.

Every reference in this file is computed here, without calling the engine:
scalar arithmetic written out step by step, closed forms, and a transcription of
Algorithm 1 of Kingma & Ba (2015).  torch is not needed.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from bot.engine.optimizers import (
    DIVERGENCE_BOUND,
    OPTIMIZERS,
    Optimizer,
    OptimizerRun,
    default_hyper,
    make_optimizer,
    run_optimizer,
)

# The defaults of the torch.optim constructors (SGD: lr=1e-3 since torch 2.2).
TORCH_DEFAULTS: dict[str, dict[str, object]] = {
    "sgd": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
    "momentum": {
        "lr": 1e-3,
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    },
    "nesterov": {
        "lr": 1e-3,
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": True,
    },
    "adagrad": {
        "lr": 0.01,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    },
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "adamax": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01},
}

# f(θ) = ½ θᵀAθ with A = diag(1, 10); ∇f(θ) = Aθ, so coordinate i sees g = a_i θ_i.
A_DIAG = (1.0, 10.0)
THETA0 = (1.5, -0.8)


def quadratic(theta: np.ndarray) -> float:
    return 0.5 * float(theta @ (np.array(A_DIAG) * theta))


def quadratic_grad(theta: np.ndarray) -> np.ndarray:
    return np.array(A_DIAG) * theta


# ---------------------------------------------------------------------------
# 1. Three steps derived by hand, one coordinate at a time
# ---------------------------------------------------------------------------


def hand_sgd(x0: float, a: float, h: dict) -> list[float]:
    lr, wd = h["lr"], h["weight_decay"]
    g1 = a * x0 + wd * x0
    x1 = x0 - lr * g1
    g2 = a * x1 + wd * x1
    x2 = x1 - lr * g2
    g3 = a * x2 + wd * x2
    x3 = x2 - lr * g3
    return [x1, x2, x3]


def hand_momentum(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, mu, tau = h["lr"], h["weight_decay"], h["momentum"], h["dampening"]
    g1 = a * x0 + wd * x0
    b1 = g1  # torch: the buffer starts as the raw gradient, no dampening
    x1 = x0 - lr * b1
    g2 = a * x1 + wd * x1
    b2 = mu * b1 + (1 - tau) * g2
    x2 = x1 - lr * b2
    g3 = a * x2 + wd * x2
    b3 = mu * b2 + (1 - tau) * g3
    x3 = x2 - lr * b3
    return [x1, x2, x3]


def hand_nesterov(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, mu = h["lr"], h["weight_decay"], h["momentum"]
    g1 = a * x0 + wd * x0
    b1 = g1
    x1 = x0 - lr * (g1 + mu * b1)
    g2 = a * x1 + wd * x1
    b2 = mu * b1 + g2
    x2 = x1 - lr * (g2 + mu * b2)
    g3 = a * x2 + wd * x2
    b3 = mu * b2 + g3
    x3 = x2 - lr * (g3 + mu * b3)
    return [x1, x2, x3]


def hand_adagrad(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, eta, eps = h["lr"], h["weight_decay"], h["lr_decay"], h["eps"]
    s0 = h["initial_accumulator_value"]
    g1 = a * x0 + wd * x0
    s1 = s0 + g1 * g1
    x1 = x0 - lr / (1 + 0 * eta) * g1 / (math.sqrt(s1) + eps)
    g2 = a * x1 + wd * x1
    s2 = s1 + g2 * g2
    x2 = x1 - lr / (1 + 1 * eta) * g2 / (math.sqrt(s2) + eps)
    g3 = a * x2 + wd * x2
    s3 = s2 + g3 * g3
    x3 = x2 - lr / (1 + 2 * eta) * g3 / (math.sqrt(s3) + eps)
    return [x1, x2, x3]


def hand_rmsprop(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, al, eps = h["lr"], h["weight_decay"], h["alpha"], h["eps"]
    g1 = a * x0 + wd * x0
    v1 = (1 - al) * g1 * g1
    x1 = x0 - lr * g1 / (math.sqrt(v1) + eps)
    g2 = a * x1 + wd * x1
    v2 = al * v1 + (1 - al) * g2 * g2
    x2 = x1 - lr * g2 / (math.sqrt(v2) + eps)
    g3 = a * x2 + wd * x2
    v3 = al * v2 + (1 - al) * g3 * g3
    x3 = x2 - lr * g3 / (math.sqrt(v3) + eps)
    return [x1, x2, x3]


def hand_adam(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, eps = h["lr"], h["weight_decay"], h["eps"]
    b1, b2 = h["betas"]
    g1 = a * x0 + wd * x0
    m1 = (1 - b1) * g1
    v1 = (1 - b2) * g1 * g1
    x1 = x0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    g2 = a * x1 + wd * x1
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2 * g2
    x2 = x1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    g3 = a * x2 + wd * x2
    m3 = b1 * m2 + (1 - b1) * g3
    v3 = b2 * v2 + (1 - b2) * g3 * g3
    x3 = x2 - lr * (m3 / (1 - b1**3)) / (math.sqrt(v3 / (1 - b2**3)) + eps)
    return [x1, x2, x3]


def hand_adamw(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, eps = h["lr"], h["weight_decay"], h["eps"]
    b1, b2 = h["betas"]
    g1 = a * x0  # the decay never enters the gradient
    y1 = x0 - lr * wd * x0
    m1 = (1 - b1) * g1
    v1 = (1 - b2) * g1 * g1
    x1 = y1 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    g2 = a * x1
    y2 = x1 - lr * wd * x1
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2 * g2
    x2 = y2 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    g3 = a * x2
    y3 = x2 - lr * wd * x2
    m3 = b1 * m2 + (1 - b1) * g3
    v3 = b2 * v2 + (1 - b2) * g3 * g3
    x3 = y3 - lr * (m3 / (1 - b1**3)) / (math.sqrt(v3 / (1 - b2**3)) + eps)
    return [x1, x2, x3]


def hand_adamax(x0: float, a: float, h: dict) -> list[float]:
    lr, wd, eps = h["lr"], h["weight_decay"], h["eps"]
    b1, b2 = h["betas"]
    g1 = a * x0 + wd * x0
    m1 = (1 - b1) * g1
    u1 = max(b2 * 0.0, abs(g1) + eps)
    x1 = x0 - lr / (1 - b1) * m1 / u1
    g2 = a * x1 + wd * x1
    m2 = b1 * m1 + (1 - b1) * g2
    u2 = max(b2 * u1, abs(g2) + eps)
    x2 = x1 - lr / (1 - b1**2) * m2 / u2
    g3 = a * x2 + wd * x2
    m3 = b1 * m2 + (1 - b1) * g3
    u3 = max(b2 * u2, abs(g3) + eps)
    x3 = x2 - lr / (1 - b1**3) * m3 / u3
    return [x1, x2, x3]


HAND = {
    "sgd": hand_sgd,
    "momentum": hand_momentum,
    "nesterov": hand_nesterov,
    "adagrad": hand_adagrad,
    "rmsprop": hand_rmsprop,
    "adam": hand_adam,
    "adamax": hand_adamax,
    "adamw": hand_adamw,
}

THREE_STEP_CASES = [(name, {}) for name in OPTIMIZERS] + [
    ("sgd", {"lr": 0.05, "weight_decay": 0.1}),
    ("momentum", {"lr": 0.02, "dampening": 0.3, "weight_decay": 0.05}),
    ("momentum", {"lr": 0.03, "momentum": 0.5}),
    ("nesterov", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.05}),
    (
        "adagrad",
        {"lr": 0.1, "lr_decay": 0.5, "initial_accumulator_value": 0.2, "weight_decay": 0.05},
    ),
    ("rmsprop", {"lr": 0.003, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05}),
    ("adam", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("adamax", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("adamw", {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.2}),
]


def _case_id(case: tuple[str, dict]) -> str:
    name, overrides = case
    return name + "".join(f"-{k}={v}" for k, v in overrides.items())


@pytest.mark.parametrize(
    ("name", "overrides"), THREE_STEP_CASES, ids=[_case_id(c) for c in THREE_STEP_CASES]
)
def test_first_three_steps_match_hand_derivation(name: str, overrides: dict) -> None:
    h = {**TORCH_DEFAULTS[name], **overrides}
    per_coordinate = [HAND[name](x0, a, h) for x0, a in zip(THETA0, A_DIAG, strict=True)]
    expected = np.array(per_coordinate).T  # rows: θ1, θ2, θ3

    optimizer = make_optimizer(name, **overrides)
    theta = np.array(THETA0)
    got = []
    for _ in range(3):
        theta = optimizer.step(theta, quadratic_grad(theta))
        got.append(theta)

    assert optimizer.t == 3
    assert not np.allclose(expected[0], THETA0)  # the check is not vacuous
    np.testing.assert_allclose(np.array(got), expected, rtol=0, atol=1e-12)

    run = run_optimizer(name, quadratic, quadratic_grad, THETA0, 3, **overrides)
    np.testing.assert_allclose(run.path[1:], expected, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------
# Defaults and the API surface
# ---------------------------------------------------------------------------


def test_optimizer_names() -> None:
    assert OPTIMIZERS == (
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamax",
        "adamw",
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_default_hyper_are_torch_defaults(name: str) -> None:
    hyper = default_hyper(name)
    assert hyper == TORCH_DEFAULTS[name]
    if "betas" in hyper:
        assert isinstance(hyper["betas"], tuple)
    hyper["lr"] = 123.0  # a copy: the registry is untouched
    assert default_hyper(name)["lr"] == TORCH_DEFAULTS[name]["lr"]
    assert make_optimizer(name).hyper == TORCH_DEFAULTS[name]


def test_overrides_are_normalised_and_hyper_is_a_copy() -> None:
    optimizer = make_optimizer("adam", lr=np.float64(0.5), betas=[0.5, 0.75], eps=0)
    assert optimizer.hyper == {"lr": 0.5, "betas": (0.5, 0.75), "eps": 0.0, "weight_decay": 0.0}
    assert isinstance(optimizer, Optimizer)
    assert optimizer.name == "adam"
    optimizer.hyper["lr"] = -1.0
    assert optimizer.hyper["lr"] == 0.5


def test_step_does_not_modify_its_inputs() -> None:
    theta = np.array([1.0, -2.0])
    grad = np.array([0.5, 0.25])
    optimizer = make_optimizer("momentum", lr=0.1)
    new = optimizer.step(theta, grad)
    np.testing.assert_array_equal(theta, [1.0, -2.0])
    np.testing.assert_array_equal(grad, [0.5, 0.25])
    np.testing.assert_allclose(new, [0.95, -2.025], rtol=0, atol=1e-15)


def test_zero_learning_rate_keeps_params() -> None:
    optimizer = make_optimizer("sgd", lr=0)
    np.testing.assert_array_equal(optimizer.step([1.0, 2.0], [3.0, 4.0]), [1.0, 2.0])


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_coupled_weight_decay_is_added_to_the_gradient(name: str) -> None:
    lam = 0.3
    with_decay = make_optimizer(name, lr=0.05, weight_decay=lam)
    by_hand = make_optimizer(name, lr=0.05)
    a = b = np.array(THETA0)
    for _ in range(30):
        a = with_decay.step(a, quadratic_grad(a))
        b = by_hand.step(b, quadratic_grad(b) + lam * b)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_decreases_the_quadratic(name: str) -> None:
    run = run_optimizer(name, quadratic, quadratic_grad, THETA0, 300, lr=0.01)
    assert run.stopped == "steps"
    assert run.path.shape == (301, 2)
    assert run.values[-1] < run.values[0]


# ---------------------------------------------------------------------------
# 2. Closed forms on a quadratic
# ---------------------------------------------------------------------------


def _scalar_quadratic(c: float):
    return (lambda x: 0.5 * c * float(x[0]) ** 2), (lambda x: c * x)


@pytest.mark.parametrize(
    ("c", "lr", "theta0"),
    [(2.0, 0.25, 3.0), (4.0, 0.375, -3.0)],  # factors 1/2 and −1/2: exact in binary
)
def test_sgd_geometric_decay_is_exact(c: float, lr: float, theta0: float) -> None:
    f, grad = _scalar_quadratic(c)
    run = run_optimizer("sgd", f, grad, [theta0], 40, lr=lr)
    expected = [theta0 * (1 - lr * c) ** k for k in range(41)]
    np.testing.assert_array_equal(run.path[:, 0], expected)


@pytest.mark.parametrize(
    ("c", "lr", "theta0"),
    [(1.0, 0.1, -2.0), (10.0, 0.15, 0.7), (3.0, 0.3, 1.2), (1.0, 2.5, 0.5)],
)
def test_sgd_matches_closed_form(c: float, lr: float, theta0: float) -> None:
    f, grad = _scalar_quadratic(c)
    run = run_optimizer("sgd", f, grad, [theta0], 40, lr=lr)
    assert run.stopped == "steps"
    expected = theta0 * (1 - lr * c) ** np.arange(41)
    np.testing.assert_allclose(run.path[:, 0], expected, rtol=1e-12, atol=0)


MOMENTUM_CASES = [(1.0, 0.1, 0.9), (10.0, 0.05, 0.5), (0.5, 0.3, 0.95), (2.0, 0.4, 0.3)]


@pytest.mark.parametrize(("c", "lr", "mu"), MOMENTUM_CASES)
def test_momentum_matches_linear_recurrence(c: float, lr: float, mu: float) -> None:
    f, grad = _scalar_quadratic(c)
    theta0, steps = 1.7, 100
    run = run_optimizer("momentum", f, grad, [theta0], steps, lr=lr, momentum=mu)

    # Equivalent form with b_0 = 0:  b_{k+1} = μ b_k + c θ_k,  θ_{k+1} = θ_k − lr b_{k+1}
    theta, b, expected = theta0, 0.0, [theta0]
    for _ in range(steps):
        b = mu * b + c * theta
        theta = theta - lr * b
        expected.append(theta)
    np.testing.assert_allclose(run.path[:, 0], expected, rtol=1e-12, atol=1e-300)

    # Same recurrence as a matrix power: (θ_k, b_k) = M^k (θ_0, 0).
    m = np.array([[1 - lr * c, -lr * mu], [c, mu]])
    for k in (1, 2, 3, 10, 50, 100):
        theta_k = (np.linalg.matrix_power(m, k) @ np.array([theta0, 0.0]))[0]
        assert run.path[k, 0] == pytest.approx(theta_k, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("c", "lr", "mu"), MOMENTUM_CASES)
def test_nesterov_matches_linear_recurrence(c: float, lr: float, mu: float) -> None:
    f, grad = _scalar_quadratic(c)
    theta0, steps = -0.9, 100
    run = run_optimizer("nesterov", f, grad, [theta0], steps, lr=lr, momentum=mu)

    theta, b, expected = theta0, 0.0, [theta0]
    for _ in range(steps):
        g = c * theta
        b = mu * b + g
        theta = theta - lr * (g + mu * b)
        expected.append(theta)
    np.testing.assert_allclose(run.path[:, 0], expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("lr", [1e-3, 0.1, 2.0])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.0, 0.0), (0.5, 0.9)])
def test_adam_first_step_is_lr_times_sign(lr: float, betas: tuple[float, float]) -> None:
    eps = 1e-8
    theta0 = np.array([1.0, -2.0, 0.5, 3.0, 0.0, 7.0])
    g = np.array([3.0, -0.2, 1e-4, -50.0, 1e3, -1e-6])
    theta1 = make_optimizer("adam", lr=lr, betas=betas, eps=eps).step(theta0, g)
    move = theta1 - theta0
    # m̂_1 / √v̂_1 = g / |g|, so |move + lr·sign(g)| = lr·ε/(|g| + ε) <= lr·ε/|g|.
    slack = lr * eps / np.abs(g) + 4 * np.spacing(np.abs(theta0) + lr)
    assert np.all(np.abs(move + lr * np.sign(g)) <= slack)


# ---------------------------------------------------------------------------
# 3. Adam against Kingma & Ba, Algorithm 1
# ---------------------------------------------------------------------------


def kingma_ba_adam(grad, theta0, steps, alpha, beta1, beta2, epsilon) -> np.ndarray:
    """Algorithm 1 of Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization"."""
    theta = np.array(theta0, dtype=float)
    m = np.zeros_like(theta)  # 1st moment vector
    v = np.zeros_like(theta)  # 2nd moment vector
    t = 0
    thetas = [theta]
    for _ in range(steps):
        t = t + 1
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - alpha * m_hat / (np.sqrt(v_hat) + epsilon)
        thetas.append(theta)
    return np.array(thetas)


Q = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, -0.5], [0.0, -0.5, 1.0]])
B = np.array([1.0, -1.0, 0.5])


def coupled_quadratic(theta: np.ndarray) -> float:
    return 0.5 * float(theta @ Q @ theta) - float(B @ theta)


def coupled_quadratic_grad(theta: np.ndarray) -> np.ndarray:
    return Q @ theta - B


@pytest.mark.parametrize(
    "hyper",
    [
        {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
        {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8},
        {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6},
        {"lr": 0.3, "betas": (0.0, 0.99), "eps": 1e-3},
    ],
)
def test_adam_matches_kingma_ba_for_50_steps(hyper: dict) -> None:
    theta0 = [2.0, -1.0, 0.5]
    reference = kingma_ba_adam(
        coupled_quadratic_grad, theta0, 50, hyper["lr"], *hyper["betas"], hyper["eps"]
    )
    run = run_optimizer("adam", coupled_quadratic, coupled_quadratic_grad, theta0, 50, **hyper)
    assert run.path.shape == (51, 3)
    np.testing.assert_allclose(run.path, reference, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------
# 4. AdamW
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [1e-3, 0.05, 0.5])
def test_adamw_without_decay_is_adam(lr: float) -> None:
    theta0 = [2.0, -1.0, 0.5]
    adamw = run_optimizer(
        "adamw", coupled_quadratic, coupled_quadratic_grad, theta0, 50, lr=lr, weight_decay=0
    )
    adam = run_optimizer("adam", coupled_quadratic, coupled_quadratic_grad, theta0, 50, lr=lr)
    np.testing.assert_array_equal(adamw.path, adam.path)


def test_adamw_decay_is_decoupled_from_adam_l2() -> None:
    theta0 = [2.0, -1.0, 0.5]
    kwargs = {"lr": 0.05, "weight_decay": 0.1}
    adamw = run_optimizer("adamw", coupled_quadratic, coupled_quadratic_grad, theta0, 50, **kwargs)
    adam = run_optimizer("adam", coupled_quadratic, coupled_quadratic_grad, theta0, 50, **kwargs)
    assert np.max(np.abs(adamw.path - adam.path)) > 1e-3


def test_adamw_shrinks_geometrically_when_the_gradient_is_zero() -> None:
    lr, lam = 0.1, 0.5
    theta0 = np.array([4.0, -2.0])
    zero_f, zero_grad = (lambda x: 0.0), (lambda x: np.zeros_like(x))
    adamw = run_optimizer("adamw", zero_f, zero_grad, theta0, 20, lr=lr, weight_decay=lam)
    expected = theta0 * (1 - lr * lam) ** np.arange(21)[:, None]
    np.testing.assert_allclose(adamw.path, expected, rtol=1e-12, atol=0)

    # Adam's L2 decay goes through the moments: the first step is ≈ lr·sign(θ), not lr·λ·θ.
    adam_step = make_optimizer("adam", lr=lr, weight_decay=lam).step(theta0, np.zeros(2))
    np.testing.assert_allclose(theta0 - adam_step, lr * np.sign(theta0), rtol=1e-7)


# ---------------------------------------------------------------------------
# 5. run_optimizer
# ---------------------------------------------------------------------------


def square(x: np.ndarray) -> float:
    return float(x @ x)


def square_grad(x: np.ndarray) -> np.ndarray:
    return 2 * x


def test_diverging_sgd_stops_nonfinite_and_keeps_only_finite_points() -> None:
    # θ_{k+1} = θ_k − 10·2θ_k = −19 θ_k; 19^6 < 1e8 < 19^7.
    run = run_optimizer("sgd", square, square_grad, [1.0], 1000, lr=10, f_min=0.0)
    assert run.stopped == "nonfinite"
    np.testing.assert_array_equal(run.path[:, 0], [(-19.0) ** k for k in range(7)])
    np.testing.assert_array_equal(run.values, [19.0 ** (2 * k) for k in range(7)])
    assert np.all(np.isfinite(run.path)) and np.all(np.isfinite(run.values))
    assert run.steps_to_tol is None


def test_overflow_stops_the_run_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = run_optimizer("sgd", square, lambda x: np.full_like(x, 1e308), [1.0, 2.0], 10, lr=10)
    assert run.stopped == "nonfinite"
    np.testing.assert_array_equal(run.path, [[1.0, 2.0]])


def test_nonfinite_objective_stops_the_run() -> None:
    def capped(x: np.ndarray) -> float:
        return float(x @ x) if np.max(np.abs(x)) < 100 else math.nan

    run = run_optimizer("sgd", capped, square_grad, [1.0], 50, lr=10)
    assert run.stopped == "nonfinite"
    np.testing.assert_array_equal(run.path[:, 0], [1.0, -19.0])
    np.testing.assert_array_equal(run.values, [1.0, 361.0])


def test_nonfinite_gradient_stops_the_run() -> None:
    run = run_optimizer("adam", square, lambda x: np.full_like(x, np.nan), [1.0], 5)
    assert run.stopped == "nonfinite"
    assert run.path.shape == (1, 1)


# With f = θ², lr = 0.25: θ_k = 2^-k, f(θ_k) = 4^-k and |∇f(θ_k)| = 2·2^-k.
@pytest.mark.parametrize(
    ("steps", "tol", "f_min", "expected"),
    [
        (20, 1e-3, 0.0, 5),  # 4^-5 = 0.00098 <= 1e-3 < 4^-4
        (20, 0.1, 0.0, 2),  # 4^-2 = 0.0625 <= 0.1 < 4^-1
        (4, 1e-3, 0.0, None),  # never reached within 4 steps
        (30, 1e-3, None, 11),  # 2·2^-11 = 0.00098 <= 1e-3 < 2·2^-10
        (11, 1e-3, None, 11),  # reached exactly at the last point
        (10, 1e-3, None, None),
        (20, 2.0, None, 0),  # |∇f(x0)| = 2 already meets the tolerance
    ],
)
def test_steps_to_tol_by_hand(steps: int, tol: float, f_min: float | None, expected) -> None:
    run = run_optimizer("sgd", square, square_grad, [1.0], steps, tol=tol, f_min=f_min, lr=0.25)
    assert run.stopped == "steps"
    np.testing.assert_array_equal(run.path[:, 0], 0.5 ** np.arange(steps + 1))
    assert run.steps_to_tol == expected


def test_steps_to_tol_uses_the_known_minimum() -> None:
    # f = (θ − 3)² + 5 from θ0 = 4: θ_k − 3 = 2^-k, f − 5 = 4^-k.
    run = run_optimizer(
        "sgd",
        lambda x: float((x[0] - 3) ** 2 + 5),
        lambda x: 2 * (x - 3),
        [4.0],
        20,
        f_min=5.0,
        lr=0.25,
    )
    assert run.steps_to_tol == 5


def test_run_record() -> None:
    run = run_optimizer("adam", quadratic, quadratic_grad, THETA0, 7, lr=0.1, betas=(0.8, 0.9))
    assert isinstance(run, OptimizerRun)
    assert run.optimizer == "adam"
    assert run.hyper == {"lr": 0.1, "betas": (0.8, 0.9), "eps": 1e-8, "weight_decay": 0.0}
    assert run.path.shape == (8, 2)
    assert run.values.shape == (8,)
    np.testing.assert_array_equal(run.path[0], THETA0)
    np.testing.assert_allclose(run.values, [quadratic(p) for p in run.path], rtol=0, atol=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.stopped = "steps"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        run.path[0, 0] = 0.0


def test_zero_steps() -> None:
    run = run_optimizer("rmsprop", quadratic, quadratic_grad, THETA0, 0)
    assert run.stopped == "steps"
    assert run.path.shape == (1, 2)


# ---------------------------------------------------------------------------
# 6. Invalid input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["adamx", "SGD", "", " adam", None, 3])
def test_unknown_optimizer_names(name) -> None:
    with pytest.raises(ValueError, match="Unknown optimizer"):
        make_optimizer(name)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        default_hyper(name)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        run_optimizer(name, quadratic, quadratic_grad, THETA0, 3)


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("sgd", {"lr": -0.1}, "lr must be >= 0"),
        ("adam", {"lr": float("nan")}, "lr must be a finite"),
        ("adam", {"lr": float("inf")}, "lr must be a finite"),
        ("sgd", {"lr": "0.1"}, "lr must be a finite real number"),
        ("sgd", {"lr": True}, "lr must be a finite real number"),
        ("sgd", {"lr": None}, "lr must be a finite real number"),
        ("adam", {"betas": (1.0, 0.999)}, r"betas\[0\] must lie in \[0, 1\)"),
        ("adam", {"betas": (0.9, 1.0)}, r"betas\[1\] must lie in \[0, 1\)"),
        ("adamw", {"betas": (-0.1, 0.9)}, r"betas\[0\] must lie in \[0, 1\)"),
        ("adamax", {"betas": (0.9, 1.5)}, r"betas\[1\] must lie in \[0, 1\)"),
        ("adam", {"betas": (0.9, float("nan"))}, r"betas\[1\] must be a finite"),
        ("adam", {"betas": (0.9,)}, "betas must be a pair"),
        ("adam", {"betas": 0.9}, "betas must be a pair"),
        ("adam", {"betas": "ab"}, "betas must be a pair"),
        ("adam", {"eps": -1e-8}, "eps must be >= 0"),
        ("rmsprop", {"alpha": -0.5}, "alpha must be >= 0"),
        ("adagrad", {"lr_decay": -1}, "lr_decay must be >= 0"),
        ("adagrad", {"initial_accumulator_value": -0.1}, "initial_accumulator_value must be"),
        ("momentum", {"momentum": -0.9}, "momentum must be >= 0"),
        ("momentum", {"dampening": float("inf")}, "dampening must be a finite"),
        ("sgd", {"weight_decay": -0.01}, "weight_decay must be >= 0"),
        ("adamw", {"weight_decay": -0.01}, "weight_decay must be >= 0"),
        ("nesterov", {"momentum": 0.0}, "Nesterov momentum requires"),
        ("nesterov", {"dampening": 0.1}, "Nesterov momentum requires"),
        ("sgd", {"nesterov": True}, "Nesterov momentum requires"),
        ("sgd", {"nesterov": "yes"}, "nesterov must be True or False"),
        ("nesterov", {"nesterov": 1}, "nesterov must be True or False"),
    ],
)
def test_invalid_hyper_parameters(name: str, overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **overrides)
    with pytest.raises(ValueError, match=message):
        run_optimizer(name, quadratic, quadratic_grad, THETA0, 3, **overrides)


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("sgd", {"betas": (0.9, 0.99)}),
        ("momentum", {"alpha": 0.9}),
        ("adam", {"momentum": 0.9}),
        ("adam", {"amsgrad": True}),
        ("adamw", {"maximize": True}),
        ("rmsprop", {"centered": True}),
        ("rmsprop", {"momentum": 0.9}),
        ("adagrad", {"betas": (0.9, 0.99)}),
        ("adamax", {"lr_decay": 0.1}),
        ("sgd", {"learning_rate": 0.1}),
    ],
)
def test_hyper_parameters_that_do_not_apply_are_rejected(name: str, overrides: dict) -> None:
    with pytest.raises(ValueError, match=f"{name!r} .* does not take {next(iter(overrides))}"):
        make_optimizer(name, **overrides)


@pytest.mark.parametrize(
    ("x0", "steps", "kwargs", "message"),
    [
        (THETA0, -1, {}, "steps must be a non-negative integer"),
        (THETA0, 2.5, {}, "steps must be a non-negative integer"),
        (THETA0, True, {}, "steps must be a non-negative integer"),
        ([[1.0, 2.0]], 3, {}, "x0 must be a 1-D array"),
        (1.0, 3, {}, "x0 must be a 1-D array"),
        ([], 3, {}, "x0 must be non-empty"),
        ([math.nan, 1.0], 3, {}, "x0 must be non-empty, finite"),
        ([1e9, 1.0], 3, {}, "within the divergence bound"),
        (THETA0, 3, {"tol": -1.0}, "tol must be >= 0"),
        (THETA0, 3, {"f_min": math.nan}, "f_min must be a finite"),
    ],
)
def test_invalid_run_arguments(x0, steps, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_optimizer("sgd", quadratic, quadratic_grad, x0, steps, **kwargs)


def test_nonfinite_objective_at_start_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"f\(x0\) must be finite"):
        run_optimizer("sgd", lambda x: math.inf, quadratic_grad, THETA0, 3)


def test_step_rejects_mismatched_shapes() -> None:
    optimizer = make_optimizer("adam")
    with pytest.raises(ValueError, match="grad has shape"):
        optimizer.step(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="params must be a 1-D array"):
        optimizer.step(np.zeros((2, 2)), np.zeros((2, 2)))
    optimizer.step(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="started on 2 parameters"):
        optimizer.step(np.zeros(3), np.ones(3))


# ---------------------------------------------------------------------------
# 7. Pinned by the mutation pass (docs/mutation.md): each test kills mutants that
#    survived the tests above
# ---------------------------------------------------------------------------

#: torch.optim's names for each optimizer's buffers (``optimizer.state[p]`` minus "step").
TORCH_STATE = {
    "sgd": set(), "momentum": {"momentum_buffer"}, "nesterov": {"momentum_buffer"},
    "adagrad": {"sum"}, "rmsprop": {"square_avg"}, "adam": {"exp_avg", "exp_avg_sq"},
    "adamax": {"exp_avg", "exp_inf"}, "adamw": {"exp_avg", "exp_avg_sq"},
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_buffers_carry_torch_names_and_are_float_arrays(name: str) -> None:
    optimizer = make_optimizer(name)
    theta = np.array([1.0, 2.0])
    for _ in range(2):
        theta = optimizer.step(theta, np.array([0.5, -1.0]))
    assert set(optimizer.state) == TORCH_STATE[name]
    for buffer in optimizer.state.values():
        assert buffer.dtype == np.float64 and buffer.shape == (2,)
    assert theta.dtype == np.float64


def test_integer_inputs_are_read_as_floats() -> None:
    # an integer θ would make Adagrad's accumulator an integer array (0.5 → 0)
    ints = make_optimizer("adagrad", initial_accumulator_value=0.5).step([1, 2], [1, 1])
    floats = make_optimizer("adagrad", initial_accumulator_value=0.5).step([1.0, 2.0], [1.0, 1.0])
    np.testing.assert_array_equal(ints, floats)
    assert floats[0] == 1.0 - 0.01 * 1.0 / (math.sqrt(1.5) + 1e-10)


def test_no_decay_adds_nothing_to_an_infinite_parameter() -> None:
    # λ = 0 skips the penalty as torch does: 0·∞ would turn the step into NaN
    assert make_optimizer("sgd").step([math.inf], [1.0])[0] == math.inf


def test_a_start_exactly_on_the_divergence_bound_is_accepted() -> None:
    run = run_optimizer("sgd", square, square_grad, [DIVERGENCE_BOUND], 0)
    np.testing.assert_array_equal(run.path, [[DIVERGENCE_BOUND]])
    with pytest.raises(ValueError, match="within the divergence bound"):
        run_optimizer("sgd", square, square_grad, [np.nextafter(DIVERGENCE_BOUND, math.inf)], 0)


def test_a_runs_arrays_are_read_only() -> None:
    run = run_optimizer("adam", square, square_grad, [1.0, 2.0], 3)
    for array in (run.path, run.values):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 0.0


@pytest.mark.parametrize(
    ("name", "f", "grad", "x0"),
    [
        # inf/inf in Adam's step: NumPy's "invalid value" warning
        ("adam", square, lambda x: np.full_like(x, math.inf), [1.0]),
        # f(0) = 1/0 after one step: NumPy's "divide by zero" warning
        ("sgd", lambda x: float(np.float64(1.0) / x[0]), lambda x: np.array([1.0]), [0.001]),
    ],
)
def test_a_run_that_breaks_down_warns_nothing(name: str, f, grad, x0) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = run_optimizer(name, f, grad, x0, 5, lr=0.001)
    assert run.stopped == "nonfinite" and len(run.path) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_optimizer("adamx"), "Unknown optimizer 'adamx'; expected one of: sgd, "
         "momentum, nesterov, adagrad, rmsprop, adam, adamax, adamw."),
        (lambda: make_optimizer("sgd", betas=(0.9, 0.99), alpha=1),
         "'sgd' (SGD) does not take alpha, betas; its hyper-parameters are: lr, momentum, "
         "dampening, weight_decay, nesterov."),
        (lambda: make_optimizer("nesterov", momentum=0.0),
         "Nesterov momentum requires momentum > 0 and dampening = 0."),
        (lambda: make_optimizer("adam", betas=(math.nan, 0.9)),
         "betas[0] must be a finite real number, got nan."),
        (lambda: make_optimizer("adam").step(np.zeros(2), np.zeros((2, 2))),
         "grad must be a 1-D array, got shape (2, 2)."),
        (lambda: run_optimizer("sgd", square, square_grad, [], 3),
         "x0 must be non-empty, finite and within the divergence bound."),
    ],
)
def test_refusals_are_worded_exactly(call, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        call()
    assert str(refused.value) == message


@pytest.mark.parametrize(("x0", "accepted"), [
    ([DIVERGENCE_BOUND, -DIVERGENCE_BOUND], True),
    ([1.0, math.nextafter(DIVERGENCE_BOUND, math.inf)], False),
    ([-math.nextafter(DIVERGENCE_BOUND, math.inf), 1.0], False),
    ([1.0, -math.inf], False), ([math.nan, 1.0], False), ([1.0, math.nan], False)])
def test_a_start_is_accepted_only_finite_and_within_the_bound(x0: list[float],
                                                              accepted: bool) -> None:
    def start() -> OptimizerRun:
        return run_optimizer("sgd", lambda x: 0.0, np.zeros_like, x0, 1, lr=0.1)

    if accepted:
        np.testing.assert_array_equal(start().path, [x0, x0])
    else:
        with pytest.raises(ValueError, match="divergence bound"):
            start()
