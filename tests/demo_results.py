"""Hand-made demo results with known findings: the report's oracle.

Every number is chosen so that the means, standard deviations and
findings can be worked out by hand (see tests/demo/test_report.py).
"""


def _runs(batch, steps, times, finals, bests=None, lr=None):
    bests = bests or finals
    return [
        {
            "seed": seed,
            "time_s": time_s,
            "steps": steps,
            "final_val_accuracy": final,
            "best_val_accuracy": best,
            "history": {
                "val_accuracy": [final - 0.1, final],
                "val_loss": [1.0, 0.5],
            },
            "lr": lr,
        }
        for seed, (time_s, final, best) in enumerate(
            zip(times, finals, bests, strict=True)
        )
    ]


def _config(label, activation, batch, lr, runs):
    return {
        "label": label,
        "activation": activation,
        "batch": batch,
        "lr": lr,
        "runs": runs,
    }


def hand_results(control_finals=(0.79, 0.81, 0.83), clr_lr_peak=0.0015):
    """Seven configurations over three seeds."""
    three = (1.0, 1.0, 1.0)
    clr_lr = [0.001, 0.0012, clr_lr_peak]
    configs = {
        "article_constant": _config(
            "article: constant LR 0.1",
            "softmax",
            100,
            ["constant", 0.1],
            _runs(
                100,
                9000,
                (30.0, 32.0, 34.0),
                (0.70, 0.80, 0.90),
                (0.75, 0.85, 0.95),
            ),
        ),
        "article_clr": _config(
            "article: CyclicLR triangular",
            "softmax",
            2000,
            ["cyclic_lr"],
            _runs(2000, 450, (7.0, 8.0, 9.0), (0.80, 0.82, 0.84), lr=clr_lr),
        ),
        "control_base_lr": _config(
            "control: constant LR 0.001 (CLR's base_lr)",
            "softmax",
            2000,
            ["constant", 0.001],
            _runs(2000, 450, three, control_finals),
        ),
        "relu_constant": _config(
            "relu: constant LR 0.001",
            "relu",
            2000,
            ["constant", 0.001],
            _runs(2000, 450, three, (0.96, 0.96, 0.96)),
        ),
        "relu_clr": _config(
            "relu: CyclicLR triangular",
            "relu",
            2000,
            ["cyclic_lr"],
            _runs(2000, 450, three, (0.97, 0.97, 0.97), lr=clr_lr),
        ),
        "relu_one_cycle": _config(
            "relu: OneCycle max_lr 0.006",
            "relu",
            2000,
            ["one_cycle", 0.006, 450],
            _runs(2000, 450, three, (0.975, 0.975, 0.975), lr=clr_lr),
        ),
        "relu_range_test_clr": _config(
            "relu: CLR, bounds from the LR range test",
            "relu",
            2000,
            ["range_test_clr", 75],
            _runs(2000, 450, three, (0.972, 0.972, 0.972), lr=clr_lr),
        ),
    }
    return {
        "date": "2026-01-02",
        "machine": "a test machine",
        "epochs": 2,
        "seeds": 3,
        "train_size": 60000,
        "test_size": 10000,
        "article": {
            "article_constant": {"time_s": 30.2, "val_accuracy": 0.7598},
            "article_clr": {"time_s": 5.47, "val_accuracy": 0.8352},
        },
        "configurations": configs,
    }
