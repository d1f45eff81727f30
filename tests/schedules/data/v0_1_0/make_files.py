"""Writes the 0.1.0-format files in this folder (run once, at 0.1.0).

Run from the repository root at commit eb33c46 (keras_clr 0.1.0):

    KERAS_BACKEND=tensorflow PYTHONPATH=. python \
        tests/schedules/data/v0_1_0/make_files.py

The files are kept as written then; the tests load them with today's code.
"""

import json
import os

import keras
import numpy as np

import keras_clr
from tests import policies

HERE = os.path.dirname(os.path.abspath(__file__))

SCHEDULES = {
    "clr_triangular2": keras_clr.CyclicalLearningRate(
        0.01, 0.1, 50, mode="triangular2", step_size_down=70, name="my_clr"
    ),
    "clr_exp_range": keras_clr.CyclicalLearningRate(
        0.001, 0.01, 30, mode="exp_range", gamma=0.999, scale_mode="cycle"
    ),
    "clr_custom_policy": keras_clr.CyclicalLearningRate(
        0.1, 0.5, 4, scale_fn=policies.StepDown(0.3, 3)
    ),
    "tfa_triangular": keras_clr.TriangularCyclicalLearningRate(
        0.1, 1.0, 40, name="tri"
    ),
    "tfa_triangular2": keras_clr.Triangular2CyclicalLearningRate(
        0.1, 1.0, 30, scale_mode="iterations"
    ),
    "tfa_exponential": keras_clr.ExponentialCyclicalLearningRate(
        0.1, 1.0, 30, gamma=0.98, name="expo"
    ),
    "one_cycle": keras_clr.OneCycle(
        0.2,
        250,
        pct_start=0.2,
        anneal_strategy="linear",
        div_factor=10,
        final_div_factor=100,
        three_phase=True,
        name="oc3",
    ),  # fmt: skip
    "adjusted": keras_clr.AdjustedSchedule(
        keras_clr.TriangularCyclicalLearningRate(0.01, 0.1, 20),
        scale=0.25,
        start_step=30,
        name="adj",
    ),
}
KERAS_FILES = ("tfa_triangular2", "tfa_exponential", "adjusted", "one_cycle")


def main():
    configs = {
        key: keras.saving.serialize_keras_object(schedule)
        for key, schedule in SCHEDULES.items()
    }
    with open(os.path.join(HERE, "configs.json"), "w") as f:
        json.dump(configs, f, indent=1, sort_keys=True)
    for key in KERAS_FILES:
        model = keras.Sequential(
            [keras.Input((1,)), keras.layers.Dense(1, use_bias=False)]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=SCHEDULES[key]),
            loss="mse",
        )
        x = np.ones((14, 1), "float32")
        model.fit(x, x, batch_size=2, epochs=1, verbose=0)  # 7 steps
        model.save(os.path.join(HERE, f"{key}.keras"))


if __name__ == "__main__":
    main()
