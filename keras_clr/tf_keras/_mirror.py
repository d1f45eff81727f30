"""tf_keras twins of the Keras 3 schedules, sharing their maths.

A twin is a `tf_keras` schedule holding the Keras 3 schedule built from
the same arguments (on TensorFlow both take and return TF tensors). The
module imports without tf_keras; the classes then raise when built.
"""

import inspect

import keras

try:
    import tf_keras
except ImportError:  # An optional extra: keras-clr[tf_keras].
    tf_keras = None

_BASE = (
    tf_keras.optimizers.schedules.LearningRateSchedule
    if tf_keras is not None
    else object
)


def check_usable(class_path: str):
    """Raises unless tf_keras is installed and Keras 3 runs on TensorFlow."""
    if tf_keras is None:
        raise ImportError(
            f"`{class_path}` needs the tf_keras package: `pip install "
            'tf_keras` (the version matching your TensorFlow: "tf_keras~=2.X" '
            "for TensorFlow 2.X)."
        )
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"`{class_path}` computes the learning rate with Keras 3 on its "
            "TensorFlow backend, but Keras 3's backend is "
            f"{backend!r}. Set the environment variable "
            "KERAS_BACKEND=tensorflow before importing keras (tf_keras runs "
            "on TensorFlow anyway)."
        )


class TfKerasSchedule(_BASE):
    """Base of the twins: a tf_keras schedule around a Keras 3 one."""

    # Set by `mirror`: the Keras 3 class whose maths the twin uses, and the
    # public paths of both, for error messages.
    _keras3_class = None
    _keras3_path = ""
    _path = ""

    def __init__(self, *args, **kwargs):
        check_usable(self._path)
        super().__init__()
        self._schedule = self._keras3_class(*args, **kwargs)

    def __call__(self, step=None):
        if step is None:
            # A Keras 3 optimizer calls a learning rate that is not a Keras 3
            # schedule with no argument, as a plain callable.
            raise TypeError(
                f"`{self._path}` is a tf_keras schedule and was called "
                "without a step, as a Keras 3 optimizer (`keras.optimizers."
                "...`) calls a learning rate it does not know as a schedule. "
                f"With a Keras 3 optimizer use `{self._keras3_path}` (the "
                "same arguments and values); keep this class for "
                "`tf_keras.optimizers`."
            )
        return self._schedule(step)

    def __getattr__(self, name):
        # The Keras 3 schedule's public attributes (base_lr, total_steps,
        # cycle_length, ...), read-only.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._schedule, name)

    def get_config(self):
        return self._schedule.get_config()

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_DOC = """tf_keras twin of `{keras3_path}`, for `tf_keras.optimizers`.

    The same arguments, checks and values as `{keras3_path}` (which it
    holds and evaluates; Keras 3 must run on TensorFlow), as a
    `tf_keras.optimizers.schedules.LearningRateSchedule` registered as
    `{registered}`: `tf_keras.models.load_model` restores it (`.keras` or
    `.h5`) once `{module}` is imported. A custom `scale_fn` is registered
    with Keras 3's `keras.saving.register_keras_serializable`.

    ```python
    schedule = {module}.{name}(...)  # the arguments of {keras3_path}
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate=schedule))
    ```

    Returns:
        A 1-arg callable of the optimizer step: the LR, a scalar `tf.Tensor`.

    Raises:
        ValueError: As `{keras3_path}`, for a bad argument.
        ImportError: If tf_keras is not installed.
        RuntimeError: If Keras 3's backend is not TensorFlow.
        TypeError: If called without a step, as a Keras 3 optimizer does.
    """


def mirror(keras3_class, keras3_path: str, module: str, package: str):
    """The tf_keras twin of `keras3_class`, registered under `package`."""
    name = keras3_class.__name__
    registered = f"{package}>{name}"
    namespace = {
        "__module__": module,
        "__qualname__": name,
        "__doc__": _DOC.format(
            keras3_path=keras3_path,
            module=module,
            name=name,
            registered=registered,
        ),
        "__signature__": inspect.signature(keras3_class),
        "_keras3_class": keras3_class,
        "_keras3_path": keras3_path,
        "_path": f"{module}.{name}",
    }
    if hasattr(keras3_class, "from_epochs"):

        def from_epochs(cls, *args, **kwargs):
            made = keras3_class.from_epochs(*args, **kwargs)
            return cls.from_config(made.get_config())

        from_epochs.__doc__ = f"`{keras3_path}.from_epochs`, as this class."
        from_epochs.__signature__ = inspect.signature(
            keras3_class.from_epochs.__func__
        )
        namespace["from_epochs"] = classmethod(from_epochs)
    twin = type(name, (TfKerasSchedule,), namespace)
    if tf_keras is not None:
        twin = tf_keras.saving.register_keras_serializable(package=package)(
            twin
        )
        _register_bare_name(name, twin)
    return twin


_TWINS_BY_NAME = {}


class _ByArguments:
    """Builds the twin of one class name whose arguments the config has."""

    def __init__(self, twins):
        self.twins = twins

    def from_config(self, config):
        for twin in self.twins:
            if set(config) <= set(inspect.signature(twin).parameters):
                return twin.from_config(config)
        raise ValueError(f"No keras_clr.tf_keras class takes {config}")


def _register_bare_name(name, twin):
    """Lets tf_keras' HDF5 loader find `twin` by its bare class name.

    That loader (tf_keras' legacy format) looks a schedule up by class name
    only, never by the registered name that `.keras` files use. Two twins
    share the name `CyclicalLearningRate` (Keras names and TF Addons
    names): their arguments tell them apart. A name the user registered
    is left alone. Public API: `tf_keras.utils.get_custom_objects()`.
    """
    twins = _TWINS_BY_NAME.setdefault(name, [])
    twins.append(twin)
    objects = tf_keras.utils.get_custom_objects()
    current = objects.get(name)
    if current is None or current in twins or isinstance(current, _ByArguments):
        objects[name] = twin if len(twins) == 1 else _ByArguments(twins)


def unavailable_callback(keras3_path: str, instead: str) -> ImportError:
    """The ImportError for a Keras 3 callback that has no tf_keras twin."""
    return ImportError(
        f"`{keras3_path}` is a Keras 3 callback and has no tf_keras version "
        f"in keras_clr. With tf_keras, {instead}"
    )
