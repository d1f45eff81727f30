"""keras_clr on JAX never imports TensorFlow.

A fresh process on the JAX backend hides TensorFlow (an import finder that
records who asked for it and answers "not installed"), then imports
keras_clr and trains a model with a cyclical schedule, cyclical momentum,
`LearningRateLogger(log_dir=...)` and the LR range test. No import of
TensorFlow may come from keras_clr's own code, the run must work as if
TensorFlow were absent, and the event file must hold every step's LR. Keras
itself probes for TensorFlow when it serializes an object (its
`serialization_lib` checks `tf.TensorShape` through a lazy module that
tolerates a missing TensorFlow); that probe is recorded but allowed.

In the `jax-notf` tox env TensorFlow is really not installed, so there the
same test shows the dependency list is enough.
"""

import os

import numpy as np
import pytest

from tests.helpers import ROOT
from tests.helpers import run_fresh
from tests.oracles import cyclical_reference

CODE = """
import json
import os
import sys
import traceback

KERAS_CLR = os.path.join({root!r}, "keras_clr") + os.sep
askers = []


class HideTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow" and not name.startswith("tensorflow."):
            return None
        stack = [f.filename for f in traceback.extract_stack()[:-1]]
        outside = [f for f in stack if "importlib" not in f]
        askers.append(outside[-1] if outside else "?")
        raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)


sys.meta_path.insert(0, HideTensorFlow())

import keras
import numpy as np

import keras_clr

steps = 12
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
schedule = keras_clr.CyclicalLearningRate(0.01, 0.05, 3)
model.compile(
    optimizer=keras_clr.cyclical_momentum(keras.optimizers.Adam(schedule)),
    loss="mse",
)
rng = np.random.default_rng(0)
x = rng.normal(size=(steps * 4, 4)).astype("float32")
y = rng.normal(size=(steps * 4, 2)).astype("float32")
log_dir = {log_dir!r}
logger = keras_clr.LearningRateLogger(log_dir=log_dir)
model.fit(x, y, batch_size=4, verbose=0, callbacks=[logger])
result = keras_clr.lr_range_test(
    model, x, y, batch_size=4, num_steps=8, start_lr=1e-4, end_lr=1.0,
    verbose=0,
)
tf_modules = [m for m in sys.modules if m.partition(".")[0] == "tensorflow"]
print(json.dumps(dict(
    backend=keras.backend.backend(),
    in_modules=sorted(tf_modules),
    from_keras_clr=[a for a in askers if a.startswith(KERAS_CLR)],
    askers=sorted(set(askers)),
    history=logger.history["lr"],
    files=sorted(os.listdir(log_dir)),
)))
"""


def test_jax_run_never_imports_tensorflow(tmp_path):
    pytest.importorskip("jax")
    log_dir = str(tmp_path / "logs")
    out = run_fresh(
        CODE.format(root=ROOT, log_dir=log_dir), env={"KERAS_BACKEND": "jax"}
    )
    assert out["backend"] == "jax"
    assert out["from_keras_clr"] == [], out["askers"]
    assert out["in_modules"] == []
    expected = cyclical_reference(range(12), 0.01, 0.05, 3)
    np.testing.assert_allclose(out["history"], expected, rtol=1e-6)
    # What the logger wrote reads back as TensorBoard reads it.
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    per_step = {}
    for root, _, names in os.walk(log_dir):
        for name in names:
            reader = event_accumulator.EventAccumulator(
                os.path.join(root, name),
                size_guidance={event_accumulator.TENSORS: 0},
            )
            reader.Reload()
            if "learning_rate" in reader.Tags().get("tensors", []):
                for event in reader.Tensors("learning_rate"):
                    value = event.tensor_proto.float_val[0]
                    per_step[event.step] = value
    assert sorted(per_step) == list(range(1, 13)), out["files"]
    np.testing.assert_allclose(
        [per_step[s] for s in range(1, 13)], expected, rtol=1e-6
    )
