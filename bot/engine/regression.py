"""Linear and polynomial least squares, gradient descent on the mean squared error
(full-batch, mini-batch, stochastic), and the seeded synthetic data sets the labs use.

Loss everywhere is the mean squared error L(θ) = (1/n)·‖Xθ − y‖², so
∇L = (2/n)·Xᵀ(Xθ − y) and the Hessian is the constant (2/n)·XᵀX.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.polynomial import polynomial as poly

Array = np.ndarray
#: Seeds the data generators accept (any non-negative integer would do; a bound keeps
#: cache keys short).
MAX_SEED = 1_000_000
#: A run whose parameters leave this radius (or stop being finite) has diverged.
ESCAPE_RADIUS = 1e6

# --- seeded synthetic data -----------------------------------------------------------------

#: /batch: y = 2x − 1 + noise, x uniform on [−2, 2].
LINE_W, LINE_B, LINE_NOISE, LINE_RANGE = 2.0, -1.0, 0.5, (-2.0, 2.0)
#: /scale: price = 0.04·area + 0.3·rooms + noise; area 50–200 m², rooms 1–5.
HOUSE_AREA, HOUSE_ROOMS = (50.0, 200.0), (1, 5)
HOUSE_WEIGHTS, HOUSE_NOISE = (0.04, 0.3), 0.5
#: /fit: y = sin(2πx) + noise, x uniform on [0, 1].
CURVE_RANGE = (0.0, 1.0)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def line_data(n: int, seed: int) -> tuple[Array, Array]:
    """x and y for a straight line with Gaussian noise."""
    rng = _rng(seed)
    x = rng.uniform(*LINE_RANGE, size=n)
    return x, LINE_W * x + LINE_B + rng.normal(0.0, LINE_NOISE, size=n)


def house_data(n: int, seed: int) -> tuple[Array, Array]:
    """Features (area, rooms) as an (n, 2) array, and prices: ranges a hundred times apart."""
    rng = _rng(seed)
    area = rng.uniform(*HOUSE_AREA, size=n)
    rooms = rng.integers(HOUSE_ROOMS[0], HOUSE_ROOMS[1] + 1, size=n).astype(float)
    features = np.column_stack([area, rooms])
    return features, features @ np.array(HOUSE_WEIGHTS) + rng.normal(0.0, HOUSE_NOISE, size=n)


def true_curve(x: Array) -> Array:
    return np.sin(2 * np.pi * x)


def curve_data(n: int, noise: float, seed: int) -> tuple[Array, Array]:
    """n noisy samples of :func:`true_curve`."""
    rng = _rng(seed)
    x = rng.uniform(*CURVE_RANGE, size=n)
    return x, true_curve(x) + rng.normal(0.0, noise, size=n)


# --- least squares and the loss --------------------------------------------------------------


def with_bias(x: Array) -> Array:
    """The design matrix [x, 1] of a line y = w·x + b, so θ = (w, b)."""
    return np.column_stack([x, np.ones_like(x)])


def mse(X: Array, y: Array, theta: Array) -> float:
    residual = X @ theta - y
    return float(residual @ residual / len(y))


def mse_gradient(X: Array, y: Array, theta: Array) -> Array:
    return 2.0 / len(y) * (X.T @ (X @ theta - y))


def mse_hessian(X: Array) -> Array:
    return 2.0 / len(X) * (X.T @ X)


def least_squares(X: Array, y: Array) -> Array:
    return np.linalg.lstsq(X, y, rcond=None)[0]


@dataclass(frozen=True)
class QuadraticLoss:
    """The MSE of two parameters through its moments, L(θ) = θᵀAθ − 2bᵀθ + c with
    A = XᵀX/n, b = Xᵀy/n, c = yᵀy/n: O(1) per point instead of a pass over the data."""

    xx: Array
    xy: Array
    yy: float

    @classmethod
    def of(cls, X: Array, y: Array) -> QuadraticLoss:
        return cls(X.T @ X / len(y), X.T @ y / len(y), float(y @ y) / len(y))

    def at(self, a: Array | float, b: Array | float) -> Array:
        """L at θ = (a, b); a and b may be grids of the same shape."""
        return (self.xx[0, 0] * a * a + 2 * self.xx[0, 1] * a * b + self.xx[1, 1] * b * b
                - 2 * (self.xy[0] * a + self.xy[1] * b) + self.yy)


def condition_number(X: Array) -> float:
    """κ(XᵀX) = λmax/λmin: how elongated the loss contours are (1 is round)."""
    eigenvalues = np.linalg.eigvalsh(X.T @ X)
    return float(eigenvalues[-1] / eigenvalues[0])


def standardise(features: Array) -> Array:
    """Each column to mean 0 and standard deviation 1 (z = (x − μ)/σ)."""
    return (features - features.mean(axis=0)) / features.std(axis=0)


# --- gradient descent ------------------------------------------------------------------------


@dataclass(frozen=True)
class DescentRun:
    """Parameters after every update (θ0 first) and the full-data loss at each."""

    path: Array  # (k + 1, d)
    losses: Array  # (k + 1,)
    diverged: bool

    @property
    def iterations(self) -> int:
        return len(self.path) - 1


def _escaped(theta: Array) -> bool:
    """A coordinate left the radius or stopped being finite (NaN fails the comparison)."""
    return not bool(np.all(np.abs(theta) <= ESCAPE_RADIUS))


def iterations_per_epoch(n: int, batch: int) -> int:
    """⌈n / batch⌉: the last, smaller batch is kept (no drop_last)."""
    return -(-n // batch)


def minibatch_descent(X: Array, y: Array, theta0: Array, lr: float, batch: int, epochs: int,
                      seed: int) -> DescentRun:
    """Mini-batch gradient descent on two parameters: every epoch shuffles the data and
    takes one step per batch of ``batch`` rows (batch = 1 is SGD, batch = n is full-batch
    descent); the loss recorded after each step is the full-data MSE."""
    rng = _rng(seed)
    loss = QuadraticLoss.of(X, y)
    theta = np.asarray(theta0, dtype=float)
    path = [theta]
    n = len(y)

    def run(diverged: bool | None) -> DescentRun:
        points = np.array(path)
        losses = loss.at(points[:, 0], points[:, 1])  # after the loop: one array operation
        # finite but worse than the start: each step overshot further (lr too large)
        return DescentRun(points, losses,
                          diverged=bool(losses[-1] > losses[0]) if diverged is None else diverged)

    with np.errstate(all="ignore"):
        for _ in range(epochs):
            order = rng.permutation(n)
            shuffled_X, shuffled_y = X[order], y[order]  # each batch is then a view
            for start in range(0, n, batch):
                rows = slice(start, start + batch)
                theta = theta - lr * mse_gradient(shuffled_X[rows], shuffled_y[rows], theta)
                if not (abs(theta[0]) <= ESCAPE_RADIUS and abs(theta[1]) <= ESCAPE_RADIUS):
                    return run(diverged=True)  # left the radius, or NaN (fails both)
                path.append(theta)
    return run(diverged=None)


def descend_until(X: Array, y: Array, theta0: Array, lr: float, target: float,
                  max_steps: int) -> DescentRun:
    """Full-batch gradient descent until the loss is at most ``target`` (or max_steps)."""
    theta = np.asarray(theta0, dtype=float)
    path, losses = [theta], [mse(X, y, theta)]
    while losses[-1] > target and len(path) <= max_steps:
        theta = theta - lr * mse_gradient(X, y, theta)
        if _escaped(theta):
            return DescentRun(np.array(path), np.array(losses), diverged=True)
        path.append(theta)
        losses.append(mse(X, y, theta))
    return DescentRun(np.array(path), np.array(losses), diverged=False)


# --- polynomial regression -------------------------------------------------------------------

Fit = Literal["underfit", "good", "overfit"]
#: The reference error is the noise variance σ² (the error no model can beat, like the
#: human-level error of a real task), never below this floor.
ERROR_FLOOR = 1e-3
#: "High" means more than this many times the reference (or the training error).
HIGH = 2.0


#: The one-sided 99.9 % point of the standard normal (for :func:`noise_ceiling`).
Z_999 = 3.0902


def noise_ceiling(noise: float, parameters: int, n_train: int, n_val: int) -> float:
    """The largest validation MSE that noise alone makes plausible for a model without
    bias. Each validation residual is then the point's noise plus the fit's own
    noise-driven error: variance about σ²(1 + p/n_train), p/n being the mean leverage of
    a least-squares fit with p parameters. Their mean square is that times χ²(n_val)/n_val,
    whose 99.9 % point is taken here (the Wilson–Hilferty approximation, within 1 % of the
    exact quantile from 10 points up). Zero when σ = 0: without noise every validation
    error is the model's own."""
    k = max(n_val, 1)
    chi = k * (1 - 2 / (9 * k) + Z_999 * math.sqrt(2 / (9 * k))) ** 3
    return noise**2 * (1 + parameters / max(n_train, 1)) * chi / k


def judge_fit(index: int, train_errors: Array, validation_errors: Array, noise: float, *,
              parameters: int, n_train: int, n_val: int) -> Fit:
    """High bias / good / high variance for the model at ``index`` of a complexity sweep
    (``parameters`` coefficients), read the way the lessons read a train–validation pair.

    Underfitting: even the training error is well above the irreducible σ²; or the
    validation error is well above σ², more than noise can explain (:func:`noise_ceiling`;
    with σ = 0, any of it) and the curve has not turned up: the model misses the shape
    between the training points. Overfitting: the validation error is well above σ², well
    above the training error, and has risen well above the best simpler model's (the
    validation curve turned up)."""
    reference = noise**2 + ERROR_FLOOR
    train, validation = train_errors[index], validation_errors[index]
    if train > HIGH * reference:
        return "underfit"
    rose = validation > HIGH * float(np.min(validation_errors[: index + 1]))
    if validation > HIGH * reference and validation > HIGH * train and rose:
        return "overfit"
    if validation > HIGH * reference and \
            validation > noise_ceiling(noise, parameters, n_train, n_val):
        return "underfit"
    return "good"


def to_unit_interval(x: Array, low: float, high: float) -> Array:
    """Map [low, high] onto [−1, 1], where a Vandermonde matrix stays well conditioned."""
    return (2 * np.asarray(x, dtype=float) - (low + high)) / (high - low)


def polynomial_fit(t: Array, y: Array, degree: int, l2: float = 0.0) -> Array:
    """Coefficients c_0..c_degree (lowest first) of Σ c_k·t^k that minimise the mean squared
    error plus the L2 penalty λ·Σ_{k≥1} c_k² (the intercept c_0, the bias, is not penalised).

    The ridge solution solves (VᵀV/n + λD)c = Vᵀy/n with D = diag(0, 1, …, 1); it is computed
    as the least-squares solution of V stacked on √(nλ)·D (and y on zeros), which avoids
    forming VᵀV and squaring its condition number."""
    vander = poly.polyvander(t, degree)
    if l2 == 0:
        return least_squares(vander, y)
    penalty = math.sqrt(len(y) * l2) * np.eye(degree + 1)[1:]
    return least_squares(np.vstack([vander, penalty]), np.concatenate([y, np.zeros(degree)]))


def polynomial_value(coefficients: Array, t: Array) -> Array:
    return poly.polyval(t, coefficients)


def split_indices(n: int, validation_fraction: float, seed: int) -> tuple[Array, Array]:
    """A seeded shuffle cut into (train, validation) row indices."""
    order = _rng(seed + 1).permutation(n)  # + 1: not the stream that drew the data
    cut = n - max(1, math.floor(n * validation_fraction))
    return np.sort(order[:cut]), np.sort(order[cut:])


def mean_squared(prediction: Array, y: Array) -> float:
    return float(np.mean((prediction - y) ** 2))
