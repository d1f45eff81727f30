"""One sweep's curve in and out of the range test's JSON files."""

import math


def json_float(value):
    return value if math.isfinite(value) else None


def curve_json(sweep):
    return {
        "lrs": [json_float(v) for v in sweep.lrs],
        "losses": [json_float(v) for v in sweep.losses],
        "stopped_early": sweep.stopped_early,
    }


def curve(data, where, fail):
    """`(lrs, losses, stopped_early)` of one sweep's JSON, or `fail(...)`."""
    missing = [key for key in ("lrs", "losses") if key not in data]
    if missing:
        raise fail(f"{where}missing key(s) " + ", ".join(map(repr, missing)))
    lrs = float_list(data["lrs"], "lrs", fail)
    losses = float_list(data["losses"], "losses", fail)
    if len(lrs) != len(losses):
        raise fail(
            f"{where}'lrs' has {len(lrs)} values but 'losses' has {len(losses)}"
        )
    stopped_early = data.get("stopped_early")
    if stopped_early is not None and not isinstance(stopped_early, str):
        raise fail(
            f"{where}'stopped_early' must be a string or null, found "
            f"{stopped_early!r}"
        )
    return lrs, losses, stopped_early


def float_list(values, key, fail):
    """`values` as floats (`null` as nan), or raises `fail(...)`."""
    if not isinstance(values, list):
        raise fail(f"'{key}' must be a list, found {type(values).__name__}")
    out = []
    for i, v in enumerate(values):
        if v is None:
            out.append(math.nan)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise fail(f"'{key}'[{i}] is not a number or null: {v!r}")
    return out
