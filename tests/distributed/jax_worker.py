"""One process of the JAX multi-process data-parallel test.

`python -m tests.distributed.jax_worker PROCESS_ID NUM_PROCESSES PORT OUT`
joins a group of processes on 127.0.0.1 (gloo CPU collectives), trains
every job of `jobs.KINDS` on its own shard of each global batch, and writes
its records to `OUT/process_<id>.json`; process 0 also saves each model.
"""

import json
import os
import sys

import keras

from tests.distributed import jobs

STEPS = 12


def main(process_id, num_processes, port, out):
    # Here, not at import: the test imports this module for STEPS.
    if keras.backend.backend() != "jax":
        sys.exit("jax_worker: run with KERAS_BACKEND=jax")
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    keras.distribution.initialize(
        f"127.0.0.1:{port}",
        num_processes=num_processes,
        process_id=process_id,
    )
    distribution = keras.distribution.DataParallel(devices=jax.devices())
    # Each process feeds its own shard of every global batch.
    distribution.auto_shard_dataset = False
    keras.distribution.set_distribution(distribution)
    result = dict(
        process_index=jax.process_index(),
        process_count=jax.process_count(),
        devices=len(jax.devices()),
        jobs={},
    )
    for kind in jobs.KINDS:
        model, callbacks = jobs.build(kind)
        steps, weights = jobs.train(
            model,
            callbacks,
            0,
            STEPS,
            shard=process_id,
            num_shards=num_processes,
        )
        record = dict(steps=steps, weights=weights)
        if callbacks:
            record["history_lr"] = callbacks[0].history["lr"]
        result["jobs"][kind] = record
        # Every process must save: saving moves values between devices,
        # which JAX checks with a collective; only process 0's file is kept.
        name = (
            f"{kind}.keras" if process_id == 0 else f"{kind}.{process_id}.keras"
        )
        model.save(os.path.join(out, name))
    result["logging"] = logging_job(process_id, num_processes, out)
    result["disagree"] = disagreeing_job(process_id, num_processes)
    result["pid"] = os.getpid()
    with open(os.path.join(out, f"process_{process_id}.json"), "w") as f:
        json.dump(result, f)


def logging_job(process_id, num_processes, out):
    """Event files: chief-only by default, every worker with the switch."""
    import keras_clr

    model, _ = jobs.build("constant")
    callbacks = [
        keras_clr.CyclicLR(
            0.01, 0.05, step_size=3.0, log_dir=os.path.join(out, "cyclic_lr")
        ),
        keras_clr.LearningRateLogger(log_dir=os.path.join(out, "logger")),
        keras_clr.LearningRateLogger(
            log_dir=os.path.join(out, "every_worker"),
            name="lr_every_worker",
            chief_only=False,
        ),
    ]
    steps, _ = jobs.train(
        model, callbacks, 0, STEPS, shard=process_id, num_shards=num_processes
    )
    return dict(
        steps=steps,
        histories=[
            dict(iterations=c.history["iterations"], lr=c.history["lr"])
            for c in callbacks
        ],
    )


def disagreeing_job(process_id, num_processes):
    """Process 1 builds another schedule; ScheduleGuard must refuse it."""
    import keras_clr

    # (Both build the same variables: creating a variable is a collective.)
    model, _ = jobs.build("clr_wider" if process_id == 1 else "clr")
    try:
        steps, _ = jobs.train(
            model,
            [keras_clr.ScheduleGuard()],
            0,
            STEPS,
            shard=process_id,
            num_shards=num_processes,
        )
    except ValueError as error:
        return dict(error=str(error))
    return dict(steps=steps)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
