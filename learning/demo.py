"""``gfsim loss-demo``: a picture of the BeepBoop loss and its gradient.

Four panels for a handful of neighbours (guess factors with logits):

1. the predicted density p(x) = sum_j S_j K(x - x_j) against the uniform
   target on [a, b], with the loss in nats and bits and the KL divergence;
2. the loss as one logit varies, with the analytic gradient drawn as tangent
   lines (they touch the curve: the gradient is right);
3. scale invariance: multiplying K by c leaves every dL/dz_j unchanged and
   only shifts the loss by -log c;
4. the Laplace shift property: with all points on one side of [a, b],
   sliding them all toward it leaves the gradient unchanged (a Gaussian
   kernel does not have this property).

Usage: ``main(["--out", "loss.png"])`` (returns an exit code).
"""
import math
import os

import numpy as np

from sim.cli.args import bounded_int, MAX_DPI
from sim.cli.errors import OneLineParser, run_command, check_outputs
from sim.io.atomic import atomic_output
from learning.loss import kde_cross_entropy, kl_divergence, uniform_entropy

# a handful of neighbours: guess factors, logits, and the target interval
X = np.array([-0.62, -0.18, 0.05, 0.22, 0.71])
Z = np.array([0.4, 1.3, 0.2, 0.9, -0.3])
A, B = 0.0, 0.3
H = 0.15
COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]


def _density(t, x, z, kernel, h, scale=1.0):
    s = np.exp(z - z.max())
    s /= s.sum()
    u = t[None, :] - x[:, None]
    if kernel == "gaussian":
        k = np.exp(-0.5 * (u / h) ** 2) / (h * math.sqrt(2 * math.pi))
    else:
        k = np.exp(-np.abs(u) / h) / (2 * h)
    return scale * (s @ k)


def _panel_density(ax):
    t = np.linspace(-1, 1, 801)
    ax.axvspan(A, B, color="0.85", label=f"target interval [{A}, {B}]")
    ax.hlines(1 / (B - A), A, B, colors="k", linestyles="--", lw=1.5,
              label="uniform target 1/(b-a)")
    ax.plot(t, _density(t, X, Z, "gaussian", H), color="#333", lw=2,
            label="prediction p(x)")
    loss, _ = kde_cross_entropy(Z, X, A, B, bandwidth=H)
    bits, _ = kde_cross_entropy(Z, X, A, B, bandwidth=H, base="2")
    kl, _ = kl_divergence(Z, X, A, B, bandwidth=H)
    ent = uniform_entropy(A, B)
    for j, (xj, c) in enumerate(zip(X, COLORS)):
        ax.axvline(xj, color=c, lw=1.5, alpha=0.8)
        ax.text(xj, 0.15, f" {j}", color=c, fontsize=11, fontweight="bold")
    ax.set_title("Prediction (Gaussian KDE, softmax weights) vs target", fontsize=12)
    ax.set_xlabel("guess factor x")
    ax.set_ylabel("density")
    ax.set_xlim(-1, 1)
    ax.legend(loc="upper left", fontsize=9)
    ax.text(0.985, 0.62,
            f"CE = {loss:.3f} nats = {bits:.3f} bits\n"
            f"H(target) = log(b-a) = {ent:.3f} nats\n"
            f"KL = CE - H = {kl:.3f} nats",
            transform=ax.transAxes, ha="right", va="top", fontsize=10,
            bbox=dict(boxstyle="round", fc="white", ec="0.6"))


def _panel_loss_curve(ax):
    i = 2  # the neighbour inside the target interval
    zs = np.linspace(-4, 6, 201)
    losses = []
    for v in zs:
        z = Z.copy()
        z[i] = v
        losses.append(kde_cross_entropy(z, X, A, B, bandwidth=H)[0])
    ax.plot(zs, losses, color=COLORS[i], lw=2.5, label=f"loss as z_{i} varies")
    for v in (-2.0, 1.0, 4.0):
        z = Z.copy()
        z[i] = v
        L, g = kde_cross_entropy(z, X, A, B, bandwidth=H)
        dz = np.array([-1.2, 1.2])
        ax.plot(v + dz, L + g[i] * dz, color="k", lw=1.2, ls="--")
        ax.plot([v], [L], "o", color="k")
        ax.annotate(f"dL/dz_{i} = {g[i]:+.3f}", (v, L), textcoords="offset points",
                    xytext=(14, 10), ha="left", fontsize=10,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
    ax.plot([], [], color="k", lw=1.2, ls="--", label="tangent from analytic gradient")
    ax.set_title(f"Loss vs logit of neighbour {i} (inside [a, b])", fontsize=12)
    ax.set_xlabel(f"z_{i}")
    ax.set_ylabel("loss (nats)")
    ax.legend(loc="upper right", fontsize=9)


def _panel_scale(ax):
    idx = np.arange(len(X))
    scales = [(1.0, "K"), (0.1, "0.1 K"), (10.0, "10 K")]
    width = 0.26
    lines = []
    for n, (c, name) in enumerate(scales):
        L, g = kde_cross_entropy(Z, X, A, B, bandwidth=H, kernel_scale=c)
        ax.bar(idx + (n - 1) * width, g, width, label=f"{name}: loss {L:+.3f}",
               color=["#444", "#3182bd", "#e6550d"][n])
        lines.append(L)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(idx)
    ax.set_xticklabels([f"{j}\nx={x:+.2f}" for j, x in enumerate(X)])
    ax.set_title("Scale invariance: c.K gives the same gradient", fontsize=12)
    ax.set_ylabel("dL/dz_j")
    ax.legend(loc="lower left", fontsize=9,
              title=f"loss shifts by -log c: {lines[1] - lines[0]:+.3f} = -log 0.1",
              title_fontsize=9)


def _panel_laplace(ax):
    xs = np.array([-0.95, -0.8, -0.6, -0.45, -0.3])  # all left of [a, b]
    d = 0.25
    idx = np.arange(len(xs))
    width = 0.2
    data = []
    for n, (kernel, shift) in enumerate([("laplace", 0.0), ("laplace", d),
                                         ("gaussian", 0.0), ("gaussian", d)]):
        _, g = kde_cross_entropy(Z, xs + shift, A, B, kernel=kernel, bandwidth=H)
        data.append(g)
        label = f"{kernel}, points {'shifted +' + str(d) if shift else 'as is'}"
        ax.bar(idx + (n - 1.5) * width, g, width, label=label,
               color=["#2171b5", "#6baed6", "#cb181d", "#fc9272"][n],
               hatch="" if shift == 0 else "//", edgecolor="white")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(idx)
    ax.set_xticklabels([f"{j}\nx={x:+.2f}" for j, x in enumerate(xs)])
    lap = np.max(np.abs(data[1] - data[0]))
    gau = np.max(np.abs(data[3] - data[2]))
    ax.set_title(f"Shift all points toward [a, b] by {d}: Laplace gradient unchanged",
                 fontsize=12)
    ax.set_ylabel("dL/dz_j")
    ax.legend(loc="lower left", fontsize=9,
              title=f"max change: Laplace {lap:.1e}, Gaussian {gau:.1e}", title_fontsize=9)


def render(out_path, dpi=110):
    """Draw the four panels and write the PNG atomically (temp file + rename)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 10), layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without touching pyplot's global backend
    axes = fig.subplots(2, 2)
    _panel_density(axes[0, 0])
    _panel_loss_curve(axes[0, 1])
    _panel_scale(axes[1, 0])
    _panel_laplace(axes[1, 1])
    fig.suptitle("BeepBoop loss  L = -(1/(b-a)) \u222b_a^b log \u03a3_j S_j K(x - x_j) dx,"
                 "   dL/dz_i = S_i - (1/(b-a)) \u222b_a^b S_i K_i / \u03a3_j S_j K_j dx",
                 fontsize=13)
    out_path = os.path.abspath(out_path)
    with atomic_output(out_path) as fh:
        fig.savefig(fh, format="png", dpi=dpi)
    return out_path


def main(argv=None):
    return run_command("gfsim loss-demo", _main, argv)


def _main(argv):
    ap = OneLineParser(
        prog="gfsim loss-demo",
        description="Plot the BeepBoop loss and its gradient for a handful of points: "
                    "prediction vs target, loss vs a logit with gradient tangents, scale "
                    "invariance (c.K) and the Laplace shift property.")
    ap.add_argument("--out", default="loss_demo.png", metavar="PNG",
                    help="output PNG path (default: loss_demo.png)")
    ap.add_argument("--dpi", type=bounded_int(20, MAX_DPI), default=110,
                    help=f"resolution, 20 to {MAX_DPI} (default 110)")
    args = ap.parse_args(argv)
    check_outputs([("--out", args.out)])
    path = render(args.out, dpi=args.dpi)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    from sim.cli.errors import exit_with
    exit_with(main())
