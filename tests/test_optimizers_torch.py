"""Every optimizer the bot offers against ``torch.optim`` itself, step by step, on a
curved non-quadratic valley (Rosenbrock), with its defaults and with each
hyper-parameter a learner can set. torch is the independent reference here; without it
(it is not a dependency) these tests are skipped, and ``.ci/run`` installs its CPU wheel
where the machine has one."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.optimizers import OPTIMIZERS, run_optimizer

torch = pytest.importorskip("torch")

X0 = (-1.2, 1.0)
#: The torch class behind each name (written here, not read from the engine).
TORCH_CLASS = {"sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "adagrad": "Adagrad",
               "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax"}
#: Long enough to leave the start far behind, short enough that the valley's amplification
#: of last-bit rounding differences (about 10× every 10 steps late in a fast run: the two
#: sides agree to 1e-16 up to step 50, then drift apart chaotically) stays below 1e-9.
STEPS = 80


def rosenbrock(theta: np.ndarray) -> float:
    x, y = theta
    return float((1 - x) ** 2 + 100 * (y - x * x) ** 2)


def rosenbrock_grad(theta: np.ndarray) -> np.ndarray:
    x, y = theta
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def torch_path(name: str, steps: int, **hyper: object) -> np.ndarray:
    """The same run through ``torch.optim`` (float64, autograd's gradient)."""
    cls = getattr(torch.optim, TORCH_CLASS[name])
    theta = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    optimizer = cls([theta], **hyper)
    path = [theta.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        x, y = theta
        ((1 - x) ** 2 + 100 * (y - x * x) ** 2).backward()
        optimizer.step()
        path.append(theta.detach().numpy().copy())
    return np.array(path)


#: (optimizer, the hyper-parameters given to both): every optimizer, and each knob the
#: chat commands expose (lr, momentum, betas, alpha, eps, weight decay, nesterov).
CASES = [
    ("sgd", {"lr": 1e-3}),
    ("sgd", {"lr": 1e-3, "weight_decay": 0.1}),
    ("momentum", {"lr": 1e-3, "momentum": 0.9}),
    ("momentum", {"lr": 5e-4, "momentum": 0.5, "dampening": 0.1}),
    ("momentum", {"lr": 1e-4, "momentum": 1.0}),  # the edge: nothing forgotten
    ("sgd", {"lr": 1e-3, "weight_decay": 1.0}),  # λ = 1 (a mutant skipped the penalty there)
    ("nesterov", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.5, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.003, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adamw", {"lr": 0.05}),
    ("adamw", {"lr": 0.02, "betas": (0.5, 0.9), "weight_decay": 0.5}),
    ("adamax", {"lr": 0.05}),
    ("adamax", {"lr": 0.1, "betas": (0.7, 0.95), "weight_decay": 0.01}),
]


def test_every_optimizer_is_covered() -> None:
    assert {name for name, _ in CASES} == set(OPTIMIZERS)


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_the_whole_path_matches_torch_optim(name: str, hyper: dict[str, object]) -> None:
    ours = run_optimizer(name, rosenbrock, rosenbrock_grad, X0, STEPS, **hyper)
    assert ours.stopped == "steps"
    reference = torch_path(name, STEPS, **hyper)
    np.testing.assert_allclose(ours.path, reference, rtol=1e-9, atol=1e-12)
    assert not np.allclose(reference[-1], X0)  # the run went somewhere
