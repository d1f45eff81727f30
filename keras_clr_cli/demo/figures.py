"""The demo's figures: the cyclic runs' LR and the validation curves.

Readable at a glance: runs whose LR is the same step for step share one
line (named after all of them), the softmax and relu networks get their
own panel (their accuracies are far apart), and every legend sits
outside the data.
"""

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def plot_lr(configurations):
    """The LR of each cyclic run (seed 0) against the iteration."""
    lines = {}
    for c in configurations.values():
        lrs = c["runs"][0]["lr"]
        if lrs:
            lines.setdefault(tuple(lrs), []).append(c["label"])
    fig, ax = _pyplot().subplots(figsize=(9, 3.8))
    for lrs, labels in lines.items():
        ax.plot(np.arange(1, len(lrs) + 1), lrs, label="\n".join(labels))
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
    ax.set_title("Learning rate of the cyclic runs (seed 0)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return fig


def plot_curves(configurations, key, title):
    """A validation metric per epoch, mean over seeds, a panel per
    network (softmax hidden layers as in the article, relu)."""
    groups = {}
    for c in configurations.values():
        groups.setdefault(c["activation"], []).append(c)
    fig, axes = _pyplot().subplots(
        len(groups), 1, figsize=(9, 3.2 * len(groups)), squeeze=False
    )
    markers = "osd^vP*X"
    for ax, (activation, configs) in zip(
        axes[:, 0], groups.items(), strict=True
    ):
        for i, c in enumerate(configs):
            curves = np.array([r["history"][key] for r in c["runs"]])
            epochs = np.arange(1, curves.shape[1] + 1)
            ax.plot(
                epochs,
                curves.mean(axis=0),
                marker=markers[i % len(markers)],
                markersize=4,
                label=c["label"],
            )
        ax.set_title(f"{title}, {activation} hidden layers (mean over seeds)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(title.lower())
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(alpha=0.3)
    return fig


def save(fig, path, dpi=80):
    """Writes the figure to `path` and closes it."""
    try:
        fig.tight_layout()
        fig.savefig(path, dpi=dpi)
    finally:
        _pyplot().close(fig)
