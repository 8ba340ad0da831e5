"""Speed of the BeepBoop loss + gradient against PyTorch autograd.

Same binned Gaussian loss, same data, same run, one CPU thread each:
gfsim's fused numba kernel (learning.loss.kde_cross_entropy with bins=B)
against a straightforward PyTorch autograd implementation.  PyTorch is timed
both on the whole batch (the natural way to write it; it materialises
(Q, K, B) tensors) and in chunks of queries (kinder to the cache); the
headline ratio is against the faster of the two.  Also times the exact
box-kernel loss on the same sizes.

    python benchmarks/loss_speed.py            # human-readable
    python benchmarks/loss_speed.py --json     # machine-readable

PyTorch is optional: ``pip install torch==2.13.0`` installs a CPU build.
"""
import argparse
import json
import math
import sys
import time

import numpy as np

from learning.loss import kde_cross_entropy


def make_data(Q, K, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 2.0, (Q, K))
    x = rng.uniform(-1.0, 1.0, (Q, K))
    width = rng.uniform(0.02, 0.12, (Q, K))
    a = rng.uniform(-1.0, 0.7, Q)
    b = a + rng.uniform(0.05, 0.3, Q)
    return z, x, width, a, b


def best_time(fn, repeats):
    """Best wall and best CPU time of ``repeats`` calls (after a warm-up call).

    CPU time (process_time, all threads) is reported too because on a shared
    machine the wall time of short runs is inflated by other processes.
    """
    out = fn()
    best, best_cpu = math.inf, math.inf
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return (best, best_cpu), out


def torch_loss_and_grad(torch, z, x, a, b, bins, h, eps, chunk):
    """PyTorch autograd version of the binned Gaussian loss (mean over queries)."""
    Q = z.shape[0]
    zt = torch.from_numpy(z).requires_grad_(True)
    xt = torch.from_numpy(x)
    at = torch.from_numpy(a)
    bt = torch.from_numpy(b)
    frac = (torch.arange(bins, dtype=torch.float64) + 0.5) / bins
    norm = 1.0 / (h * math.sqrt(2.0 * math.pi))
    total = 0.0
    step = Q if chunk <= 0 else chunk
    for s in range(0, Q, step):
        sl = slice(s, s + step)
        mid = at[sl, None] + (bt[sl] - at[sl])[:, None] * frac[None, :]     # (q, B)
        u = (mid[:, None, :] - xt[sl, :, None]) / h                           # (q, K, B)
        dens = torch.einsum("qk,qkb->qb", torch.softmax(zt[sl], dim=1),
                            torch.exp(-0.5 * u * u) * norm)
        loss = -torch.log(dens.clamp_min(eps)).mean(dim=1).sum() / Q
        loss.backward()
        total += loss.item()
    return total, zt.grad.numpy()


def run(args):
    Q, K, B, h, eps = args.queries, args.neighbours, args.bins, args.bandwidth, 1e-12
    z, x, width, a, b = make_data(Q, K, args.seed)
    res = dict(queries=Q, neighbours=K, bins=B, bandwidth=h, repeats=args.repeats,
               seed=args.seed)

    (t_ours, c_ours), (l_ours, g_ours) = best_time(
        lambda: kde_cross_entropy(z, x, a, b, kernel="gaussian", bandwidth=h, bins=B, eps=eps),
        args.repeats)
    res["gfsim_binned_gaussian_s"] = t_ours
    res["gfsim_binned_gaussian_cpu_s"] = c_ours
    (t_box, c_box), _ = best_time(
        lambda: kde_cross_entropy(z, x, a, b, kernel="box", width=width), args.repeats)
    res["gfsim_exact_box_s"] = t_box
    res["gfsim_exact_box_cpu_s"] = c_box

    try:
        import torch
    except ImportError:
        torch = None
    res["torch_version"] = None if torch is None else torch.__version__
    if torch is None:
        res.update(torch_full_batch_s=None, torch_chunked_s=None, torch_best_s=None,
                   speedup_vs_torch=None, speedup_vs_torch_cpu=None,
                   max_abs_diff_loss=None, max_abs_diff_grad=None)
        return res

    torch.set_num_threads(1)
    diffs_l, diffs_g = [], []
    timings, cpu = {}, {}
    modes = {"full": [0], "chunked": [args.torch_chunk], "both": [0, args.torch_chunk]}
    for chunk in modes[args.torch_mode]:
        (t, c), (l_t, g_t) = best_time(
            lambda: torch_loss_and_grad(torch, z, x, a, b, B, h, eps, chunk), args.torch_repeats)
        key = "torch_full_batch_s" if chunk == 0 else "torch_chunked_s"
        timings[key] = t
        cpu[key] = c
        diffs_l.append(abs(l_t - l_ours))
        diffs_g.append(float(np.max(np.abs(g_t - g_ours))))
    res["torch_full_batch_s"] = timings.get("torch_full_batch_s")
    res["torch_chunked_s"] = timings.get("torch_chunked_s")
    res["torch_chunk"] = args.torch_chunk if "torch_chunked_s" in timings else None
    res["torch_full_batch_cpu_s"] = cpu.get("torch_full_batch_s")
    res["torch_chunked_cpu_s"] = cpu.get("torch_chunked_s")
    res["torch_best_s"] = min(timings.values())
    res["speedup_vs_torch"] = res["torch_best_s"] / t_ours
    res["speedup_vs_torch_cpu"] = min(cpu.values()) / c_ours
    if res["torch_full_batch_s"] is not None:
        res["speedup_vs_torch_full_batch"] = res["torch_full_batch_s"] / t_ours
    res["max_abs_diff_loss"] = max(diffs_l)
    res["max_abs_diff_grad"] = max(diffs_g)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Time gfsim's fused binned Gaussian BeepBoop loss+gradient against a "
                    "PyTorch autograd version (CPU, 1 thread), and the exact box-kernel loss.")
    ap.add_argument("--queries", type=int, default=20000, help="Q (default 20000)")
    ap.add_argument("--neighbours", type=int, default=100, help="K (default 100)")
    ap.add_argument("--bins", type=int, default=51, help="midpoint bins B (default 51)")
    ap.add_argument("--bandwidth", type=float, default=0.1, help="Gaussian bandwidth (0.1)")
    ap.add_argument("--repeats", type=int, default=7, help="timed repeats for gfsim (best of)")
    ap.add_argument("--torch-repeats", type=int, default=3, help="timed repeats for PyTorch")
    ap.add_argument("--torch-mode", choices=["both", "full", "chunked"], default="both",
                    help="PyTorch on the whole batch, in chunks of queries, or both (default)")
    ap.add_argument("--torch-chunk", type=int, default=500,
                    help="queries per PyTorch chunk (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if min(args.queries, args.neighbours, args.bins, args.repeats, args.torch_repeats,
           args.torch_chunk) < 1:
        ap.error("sizes, repeats and --torch-chunk must be >= 1")

    res = run(args)
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    Q, K, B = res["queries"], res["neighbours"], res["bins"]
    print(f"BeepBoop loss + gradient, {Q} queries x {K} neighbours x {B} bins "
          f"(binned Gaussian, h={res['bandwidth']}), best of repeats, 1 thread")
    print("                                 wall         CPU")
    print(f"  gfsim (numba, fused)      {res['gfsim_binned_gaussian_s'] * 1e3:9.1f} ms "
          f"{res['gfsim_binned_gaussian_cpu_s'] * 1e3:9.1f} ms")
    if res["torch_version"] is None:
        print("  PyTorch                   not installed -- no comparison "
              "(pip install torch==2.13.0 installs a CPU build)")
    else:
        print(f"  (PyTorch {res['torch_version']})")
        if res["torch_full_batch_s"] is not None:
            print(f"  PyTorch full batch        {res['torch_full_batch_s'] * 1e3:9.1f} ms "
                  f"{res['torch_full_batch_cpu_s'] * 1e3:9.1f} ms")
        if res["torch_chunked_s"] is not None:
            print(f"  PyTorch chunks of {res['torch_chunk']:<6d}  "
                  f"{res['torch_chunked_s'] * 1e3:9.1f} ms "
                  f"{res['torch_chunked_cpu_s'] * 1e3:9.1f} ms")
        print(f"  speed-up vs best PyTorch  {res['speedup_vs_torch']:9.1f} x "
              f"{res['speedup_vs_torch_cpu']:9.1f} x")
        if "speedup_vs_torch_full_batch" in res:
            print(f"  speed-up vs full batch    {res['speedup_vs_torch_full_batch']:9.1f} x")
        print(f"  max |diff| loss {res['max_abs_diff_loss']:.2e}, "
              f"gradient {res['max_abs_diff_grad']:.2e}")
    print(f"  exact box-kernel loss     {res['gfsim_exact_box_s'] * 1e3:9.1f} ms "
          f"{res['gfsim_exact_box_cpu_s'] * 1e3:9.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
