"""Worker processes of the tf.distribute tests (TensorFlow backend).

- `python -m tests.distributed.tf_worker mirrored OUT`: on two logical
  CPUs, every job of `jobs.KINDS` on the default strategy and under
  `MirroredStrategy` (also with `jit_compile=True`), and one attempt with
  `steps_per_execution=4`; writes `OUT/mirrored.json`.
- `python -m tests.distributed.tf_worker mwms OUT INDEX PORT0,PORT1`:
  worker INDEX of a `MultiWorkerMirroredStrategy` cluster on 127.0.0.1
  (`TF_CONFIG`); writes `OUT/worker_<INDEX>.json`, or fails as Keras
  does.
"""

import json
import os
import sys

STEPS = 8


def run(strategy, kind, **compile_kwargs):
    from tests.distributed import jobs

    with strategy.scope():
        model, callbacks = jobs.build(kind, **compile_kwargs)
    steps, weights = jobs.train(model, callbacks, 0, STEPS)
    return dict(steps=steps, weights=weights)


def mirrored(out):
    import tensorflow as tf

    # Before anything initializes TensorFlow's devices (Keras included).
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    from tests.distributed import jobs

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single = tf.distribute.get_strategy()
    result = dict(replicas=strategy.num_replicas_in_sync, jobs={})
    for kind in jobs.KINDS:
        result["jobs"][kind] = dict(
            single=run(single, kind),
            mirrored=run(strategy, kind),
            mirrored_jit=run(strategy, kind, jit_compile=True),
        )
    try:
        # Fails in Keras 3.15 with a plain float learning rate too.
        run(strategy, "constant", steps_per_execution=4)
        result["steps_per_execution_error"] = None
    except Exception as error:  # reported to the test, which judges it
        result["steps_per_execution_error"] = f"{type(error).__name__}: {error}"
    with open(os.path.join(out, "mirrored.json"), "w") as f:
        json.dump(result, f)


def multi_worker(out, index, ports):
    import tensorflow as tf

    os.environ["TF_CONFIG"] = json.dumps(
        {
            "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports.split(",")]},
            "task": {"type": "worker", "index": int(index)},
        }
    )
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    result = run(strategy, "clr_momentum")
    result["replicas"] = strategy.num_replicas_in_sync
    with open(os.path.join(out, f"worker_{index}.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    # Before Keras is imported (by `jobs`).
    os.environ["KERAS_BACKEND"] = "tensorflow"
    if sys.argv[1] == "mirrored":
        mirrored(sys.argv[2])
    else:
        multi_worker(*sys.argv[2:5])
