"""torch.compile: K steps of the sine fit as one compiled step called K times, an unrolled
block of B compiled steps, or one ``while_loop`` program; eager beside them.

Run: python docs/experiments/torch_compile_loops.py [N] [K] [dtype]
(default N = 2000, K = 2000, float64; one intra-op thread). Prints µs per iteration (median
of 5 calls, the variants timed in turn, round after round) and the seconds of the first
calls (k = 1 and k = B + 1: compiling). Above 10⁶ points eager is left out (seconds a step;
``descent-bench compare`` times it). The block needs a second program (one step) for the
remainder of K / B; the while_loop takes K and lr as tensors, one program for any K.
"""

import statistics
import sys
import time

import array_api_compat.torch as xp
import torch
from torch._higher_order_ops import while_loop

from descent_bench import kernels

torch.set_num_threads(1)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
K = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
DTYPE = getattr(torch, sys.argv[3] if len(sys.argv) > 3 else "float64")
B = 16
OPTIONS = {"fullgraph": True, "dynamic": False}

ops = kernels.Ops(xp)
problem = kernels.SineFit(points=N)
x, y = (torch.asarray(a, dtype=DTYPE) for a in problem.host_data())
start = torch.asarray(problem.initial_params(), dtype=DTYPE)
lr = torch.tensor(problem.stable_lr(), dtype=DTYPE)


def step(c, x, y, lr):
    return problem.step(ops, c, (x, y), lr)


def block(c, x, y, lr):
    for _ in range(B):
        c = problem.step(ops, c, (x, y), lr)
    return c


def steps_while(c, x, y, lr, k):
    def more(i, c):
        return i < k

    def body(i, c):
        return i + 1, problem.step(ops, c, (x, y), lr)

    return while_loop(more, body, (torch.zeros((), dtype=torch.int64), c))[1]


compiled_step = torch.compile(step, **OPTIONS)
compiled_block = torch.compile(block, **OPTIONS)
compiled_while = torch.compile(steps_while, **OPTIONS)


def eager(k):
    c = start
    for _ in range(k):
        c = step(c, x, y, lr)
    return c


def one_step(k):
    c = start
    for _ in range(k):
        c = compiled_step(c, x, y, lr)
    return c


def unrolled(k):
    c = start
    for _ in range(k // B):
        c = compiled_block(c, x, y, lr)
    for _ in range(k % B):
        c = compiled_step(c, x, y, lr)
    return c


def in_while_loop(k):
    return compiled_while(start, x, y, lr, torch.tensor(k))


variants = {
    **({"eager": eager} if N <= 10**6 else {}),  # at 10⁷ eager is in compare's table
    "one compiled step": one_step,
    f"unrolled by {B}": unrolled,
    "while_loop": in_while_loop,
}
first = {}
for name, run in variants.items():
    began = time.perf_counter()
    run(1)
    run(B + 1)
    first[name] = time.perf_counter() - began
want = in_while_loop(K) if N > 10**6 else eager(K)
times = {name: [] for name in variants}
for _ in range(5):
    for name, run in variants.items():
        began = time.perf_counter()
        got = run(K)
        times[name].append(time.perf_counter() - began)
        assert torch.allclose(got, want, rtol=1e-4), name

print(f"torch {torch.__version__}, N = {N:,}, K = {K}, {DTYPE}, {torch.get_num_threads()} thread")
for name in variants:
    seconds = statistics.median(times[name]) / K
    gbs = 2 * N * x.element_size() / seconds / 1e9
    rate = f"{seconds * 1e6:12.2f} µs/iter {gbs:6.2f} GB/s"
    print(f"{name:18s} {rate}   first calls {first[name]:5.1f} s")
