"""Fused PyTorch updates for the cyclical-momentum optimizers.

Keras' own fused (`torch._foreach_*`) updates take the momentum as a
Python number, a device-to-host read per step for a cycled one; these are
the same updates (Keras' generic `update_step` maths, checked in
tests/test_momentum.py) with the momentum and LR kept 0-d tensors. Each is
`update(optimizer, grads, variables, learning_rate)`, installed by
`_keras.torch_fused_base`.
"""

from keras import ops

from keras_clr import _keras


def _common(optimizer, variables, learning_rate, with_step=True):
    values = [v.value for v in variables]
    dtype = values[0].dtype
    lr = ops.cast(learning_rate, dtype)
    if not with_step:  # SGD and Lion have no bias correction
        return values, dtype, lr, None
    step = ops.cast(optimizer.iterations + 1, dtype)
    return values, dtype, lr, step


def sgd(optimizer, grads, variables, learning_rate):
    """Keras SGD: m = momentum * m - lr * g; w += m.

    Nesterov: w += momentum * m - lr * g, with the new m.
    """
    import torch

    values, dtype, lr, _ = _common(
        optimizer, variables, learning_rate, with_step=False
    )
    momentum = ops.cast(optimizer.momentum, dtype)
    bufs = _keras.slot_values(optimizer, "sgd_momentum", variables)
    scaled = torch._foreach_mul(grads, lr)
    torch._foreach_mul_(bufs, momentum)
    torch._foreach_sub_(bufs, scaled)
    if optimizer.nesterov:
        torch._foreach_sub_(values, scaled)
        torch._foreach_add_(values, torch._foreach_mul(bufs, momentum))
    else:
        torch._foreach_add_(values, bufs)


def _first_moment(m_list, grads, weight):
    """m += (g - m) * weight, in place: Keras' generic form of
    m = beta_1 * m + (1 - beta_1) * g, with weight = 1 - beta_1 (three
    kernels, as the other form takes)."""
    import torch

    step = torch._foreach_sub(grads, m_list)
    torch._foreach_mul_(step, weight)
    torch._foreach_add_(m_list, step)


def _raw_complement(optimizer, dtype):
    # Keras' Adam and Adamax take `1 - beta_1` in beta_1's own dtype (the
    # schedule's float32) before casting; so does this, to the last bit.
    return ops.cast(1 - optimizer.beta_1, dtype)


def adam(optimizer, grads, variables, learning_rate):
    """Keras' Adam (and AdamW: its weight decay is applied before)."""
    import torch

    values, dtype, lr, step = _common(optimizer, variables, learning_rate)
    beta_1 = ops.cast(optimizer.beta_1, dtype)
    beta_2 = optimizer.beta_2
    beta_1_power = ops.power(beta_1, step)
    beta_2_power = ops.power(ops.cast(beta_2, dtype), step)
    alpha = lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)

    m_list = _keras.slot_values(optimizer, "first_moment", variables)
    v_list = _keras.slot_values(optimizer, "second_moment", variables)
    _first_moment(m_list, grads, _raw_complement(optimizer, dtype))
    torch._foreach_mul_(v_list, beta_2)
    torch._foreach_add_(
        v_list, torch._foreach_mul(grads, grads), alpha=1 - beta_2
    )
    if optimizer.amsgrad:
        v_hat_list = _keras.slot_values(
            optimizer, "max_second_moment", variables
        )
        torch._foreach_maximum_(v_hat_list, v_list)
        v_list = v_hat_list
    torch._foreach_sub_(
        values,
        torch._foreach_div(
            torch._foreach_mul(m_list, alpha),
            torch._foreach_add(torch._foreach_sqrt(v_list), optimizer.epsilon),
        ),
    )


def adamax(optimizer, grads, variables, learning_rate):
    """Keras' Adamax."""
    import torch

    values, dtype, lr, step = _common(optimizer, variables, learning_rate)
    beta_1 = ops.cast(optimizer.beta_1, dtype)
    beta_1_power = ops.power(beta_1, step)
    m_list = _keras.slot_values(optimizer, "adamax_first_moment", variables)
    u_list = _keras.slot_values(optimizer, "adamax_infinity_norm", variables)
    _first_moment(m_list, grads, _raw_complement(optimizer, dtype))
    torch._foreach_mul_(u_list, optimizer.beta_2)
    torch._foreach_maximum_(u_list, torch._foreach_abs(grads))
    torch._foreach_sub_(
        values,
        torch._foreach_div(
            torch._foreach_mul(m_list, lr),
            torch._foreach_mul(
                torch._foreach_add(u_list, optimizer.epsilon),
                1 - beta_1_power,
            ),
        ),
    )


def lion(optimizer, grads, variables, learning_rate):
    """Keras' Lion: the direction interpolates with the cycled `beta_1`."""
    import torch

    values, dtype, lr, _ = _common(
        optimizer, variables, learning_rate, with_step=False
    )
    beta_1 = ops.cast(optimizer.beta_1, dtype)
    beta_2 = optimizer.beta_2
    m_list = _keras.slot_values(optimizer, "first_moment", variables)
    direction = torch._foreach_mul(m_list, beta_1)
    torch._foreach_add_(direction, torch._foreach_mul(grads, 1 - beta_1))
    direction = torch._foreach_sign(direction)
    torch._foreach_sub_(values, torch._foreach_mul(direction, lr))
    torch._foreach_mul_(m_list, beta_2)
    torch._foreach_add_(m_list, grads, alpha=1 - beta_2)


def nadam(optimizer, grads, variables, learning_rate):
    """Keras' Nadam, its momentum-cache product kept on the device."""
    import torch

    values, dtype, lr, step = _common(optimizer, variables, learning_rate)
    beta_1 = ops.cast(optimizer.beta_1, dtype)
    beta_2 = optimizer.beta_2
    # The product is advanced in its own dtype and read back, as Keras'
    # `Nadam._backend_update_step` does before the per-variable updates.
    u_product = _keras.nadam_u_product(optimizer)
    u_step = ops.cast(optimizer.iterations + 1, u_product.dtype)
    u_product.assign(
        u_product * optimizer.beta_1 * (1.0 - 0.5 * ops.power(0.96, u_step))
    )
    decay = ops.cast(0.96, dtype)
    u_t = beta_1 * (1.0 - 0.5 * ops.power(decay, step))
    u_t_1 = beta_1 * (1.0 - 0.5 * ops.power(decay, step + 1))
    u_product_t = ops.cast(u_product, dtype)
    u_product_t_1 = u_product_t * u_t_1
    beta_2_power = ops.power(ops.cast(beta_2, dtype), step)

    m_list = _keras.slot_values(optimizer, "first_moment", variables)
    v_list = _keras.slot_values(optimizer, "second_moment", variables)
    _first_moment(m_list, grads, 1 - beta_1)
    torch._foreach_mul_(v_list, beta_2)
    torch._foreach_add_(
        v_list, torch._foreach_mul(grads, grads), alpha=1 - beta_2
    )
    m_hat = torch._foreach_add(
        torch._foreach_div(
            torch._foreach_mul(m_list, u_t_1), 1 - u_product_t_1
        ),
        torch._foreach_div(torch._foreach_mul(grads, 1 - u_t), 1 - u_product_t),
    )
    v_hat = torch._foreach_div(v_list, 1 - beta_2_power)
    torch._foreach_sub_(
        values,
        torch._foreach_div(
            torch._foreach_mul(m_hat, lr),
            torch._foreach_add(torch._foreach_sqrt(v_hat), optimizer.epsilon),
        ),
    )
