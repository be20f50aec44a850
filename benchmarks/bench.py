"""Speed and size figures, ours beside a naive baseline in the same run.

    python -m benchmarks.bench

Absolute times depend on the machine; the ratios are what the targets are about.
Targets: a /gd still ≥ 2× faster than a fresh pyplot figure per request; a 25-frame GIF
≥ 3× faster than a full redraw per frame; every lab's whole job ≥ 2× its naive baseline,
the default /backprop ≤ 100 ms (on a quiet machine); a cached repeat < 5 ms; a new /gd through the whole pipeline
≥ 1.5× cheaper than a naive render of its picture alone; PNG ≤ 120 KB
and GIF ≤ 600 KB (phone-wide pictures, #16); /help answered in < 100 ms while 20 renders
are in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import tempfile
import statistics
import time
from collections.abc import Callable
from functools import partial

from benchmarks import naive
from bot.commands.base import Context, Services
from bot.commands.router import handle_text
from bot.config import Settings
from bot.engine.expr import parse_function
from bot.engine.gd import gradient_descent
from bot.engine.objective import compile_objective
from bot.fa import gd as words
from bot.engine.bounds import analyse
from bot.labs.gd import GDRequest, _summary, _trajectory, run_gd
from bot.render.trajectory import Trajectory, TrajectoryLabels, render_animation, render_still
from bot.services import open_services

REPEATS = 7
#: What renders are timed with: wall time, or with ``--cpu`` this process's CPU time (the
#: jobs are single-threaded: on a quiet machine the two agree; on a busy one CPU time
#: leaves out the waits for a core that other processes cause).
CLOCK = time.perf_counter


def paired_best_ms(ours: Callable[[], object], theirs: Callable[[], object],
                   repeats: int = REPEATS) -> tuple[float, float]:
    """Best times of two actions measured in alternation, so that a slow spell of a
    shared machine lands on both rather than on whichever ran during it."""
    ours(), theirs()
    mine, baseline = [], []
    for _ in range(repeats):
        for action, times in ((ours, mine), (theirs, baseline)):
            start = CLOCK()
            action()
            times.append(CLOCK() - start)
    return 1000 * min(mine), 1000 * min(baseline)


def scene(function: str, x0: tuple[float, ...], lr: float, steps: int) -> tuple[Trajectory, TrajectoryLabels]:
    objective = compile_objective(parse_function(function))
    run = gradient_descent(objective, x0, lr, steps)
    summary = _summary(objective, run, len(run.path), analyse(objective, [run.path]))
    return _trajectory(objective, run.path, truncated=False), words.picture_labels(summary)


def line(name: str, ours: float, theirs: float | None, target: str, unit: str = "ms") -> None:
    ratio = f"{theirs / ours:5.1f}×" if theirs else "      "
    baseline = f"{theirs:8.1f} {unit}" if theirs else " " * 11
    print(f"{name:<44} ours {ours:8.1f} {unit}   naive {baseline}   {ratio}   target {target}")


def renders() -> None:
    print("Rendering (in-process, warm; naive = same picture, fresh pyplot figure)")
    for title, spec in (("/gd 0.1x^2 lr=0.4 steps=25", ("0.1x^2", (2.0,), 0.4, 25)),
                        ("/gd rosenbrock x0=-1,1 lr=0.001", ("(1-x)^2+100(y-x^2)^2", (-1.0, 1.0), 0.001, 25))):
        drawing = scene(*spec)
        line(f"still {title}",
             *paired_best_ms(partial(render_still, *drawing), partial(naive.still, *drawing)),
             "≥ 2×")
        line(f"GIF 25 steps {title}",
             *paired_best_ms(partial(render_animation, *drawing),
                             partial(naive.animation, *drawing), 3), "≥ 3×")
    result = run_gd(GDRequest("0.1x^2", (2.0,), 0.4, 25, anim=True))
    worst = run_gd(GDRequest("(1-x)^2+100(y-x^2)^2", (-1.0, 1.0), 0.001, 500, anim=True))
    print(f"{'sizes':<44} PNG {len(result.png) / 1024:.0f} KB (2-D {len(worst.png) / 1024:.0f} KB), "
          f"GIF {len(result.gif or b'') / 1024:.0f} KB (2-D {len(worst.gif or b'') / 1024:.0f} KB)"
          "   target PNG ≤ 120 KB, GIF ≤ 600 KB")


async def service() -> None:
    print("Service (the real command layer over a 2-worker process pool)")
    # a database file, as the bot has: lab leases take concurrent transactions, which one
    # shared in-memory connection refuses ("cannot start a transaction within a transaction")
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        settings = Settings(workers=2, queue_limit=64, db_url=f"sqlite:///{folder}/bench.db")
        async with open_services(settings) as services:
            await _service(services)


async def _service(services: Services) -> None:
    ctx = Context(services, user_id=1, chat_id=1)
    request = "/gd 0.1x^2 lr=0.4 steps=25"
    await handle_text(request, ctx)
    cached = []
    for _ in range(50):
        start = time.perf_counter()
        await handle_text(request, ctx)
        cached.append(1000 * (time.perf_counter() - start))
    line("cached repeat of /gd (command layer)", statistics.median(cached), None, "< 5 ms")

    await _marginal_gd(ctx)

    users = [Context(services, user_id=100 + i, chat_id=100 + i) for i in range(20)]
    renders_in_flight = [
        asyncio.create_task(handle_text(f"/gd {i + 1}x^2+sin(x) lr=0.001 steps=400 anim", c))
        for i, c in enumerate(users)
    ]
    await asyncio.sleep(0.3)  # let all twenty reach the pool
    latencies, busy = [], []
    for _ in range(20):
        start = time.perf_counter()
        await handle_text("/help", ctx)
        latencies.append(1000 * (time.perf_counter() - start))
        busy.append(services.runner.in_flight)
        await asyncio.sleep(0.02)
    await asyncio.gather(*renders_in_flight)
    line(f"/help while {max(busy)} renders in flight (p95)",
         sorted(latencies)[int(0.95 * len(latencies)) - 1], None, "< 100 ms")


async def _marginal_gd(ctx: Context) -> None:
    """A new /gd (never seen, so nothing cached) through the whole pipeline, one at a
    time: parse, key, the pool's round trip, engine, picture and caption; beside a naive
    pyplot render of the same picture alone. Wall time for both (the pipeline spans the
    worker processes, which this process's CPU clock would not count)."""
    ours, theirs = [], []
    for i in range(15):
        function = f"{0.05 + 0.01 * i:.2f}x^2"
        start = time.perf_counter()
        response = await handle_text(f"/gd {function} lr=0.4 steps=25", ctx)
        ours.append(1000 * (time.perf_counter() - start))
        assert not response.error, response.error
        drawing = scene(function, (2.0,), 0.4, 25)
        start = time.perf_counter()
        naive.still(*drawing)
        theirs.append(1000 * (time.perf_counter() - start))
    line("new /gd through the whole pipeline", statistics.median(ours),
         statistics.median(theirs), "≥ 1.5× (naive = its render alone)")


#: One representative request per lab (the job runs in-process, warm).
LABS = ("/backprop", "/opt ravine", "/opt rosenbrock anim", "/lr", "/act sigmoid depth=10",
        "/batch batch=1,16,200", "/scale", "/fit degree=9")


def _naively(job: Callable[[], object]) -> object:
    with naive.drawn_naively():
        return job()


def labs() -> None:
    print("Labs (whole job: engine + pictures; naive = fresh pyplot figures, default PNG, "
          "full redraw per GIF frame)")
    for text in LABS:
        name, _, args = text[1:].partition(" ")
        command = importlib.import_module(f"bot.commands.{name}")
        lab = importlib.import_module(f"bot.labs.{name}")
        job = partial(getattr(lab, f"run_{name}"), command.parse(args))
        line(text, *paired_best_ms(job, partial(_naively, job), 5),
             "≥ 2×, ≤ 100 ms" if text == "/backprop" else "≥ 2×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true",
                        help="time renders in CPU seconds of this process (a busy machine)")
    parser.add_argument("--only", choices=("renders", "labs", "service"),
                        help="one section of the three")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    # the ratios hold on a busy machine (both sides are timed in alternation, and with
    # --cpu a core taken by others is not counted); the absolute times only when quiet
    print("load average: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
          + f" on {os.cpu_count()} cores; renders timed in "
          + ("CPU time of this process" if args.cpu else "wall time"))
    if args.only in (None, "renders"):
        renders()
    if args.only in (None, "labs"):
        labs()
    if args.only in (None, "service"):
        asyncio.run(service())


if __name__ == "__main__":
    main()
