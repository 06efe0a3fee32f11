"""Keras' LSTM and GRU layers with two faster paths: the same layer API, config and weights.

Keras runs a recurrent layer one time step at a time as separate matrix products on every
backend (cuDNN only under TensorFlow or PyTorch on a GPU), while PyTorch's `nn.LSTM`/`nn.GRU`
run one fused kernel per layer on the CPU too (oneDNN). Measured in experiments/benchmarks,
that made a hand-written PyTorch loop faster than any Keras backend. These layers add:

- **Fused kernels under the PyTorch backend** (CPU and GPU): the layer calls `torch.lstm` /
  `torch.gru`, the functions behind `torch.nn.LSTM`/`GRU`, on the layer's own Keras weights
  (gates reordered and transposed on the fly, so gradients reach the Keras variables).
  Keras' own torch path uses them on a CUDA device only.
- **A decoder whose input is one vector repeated** (`repeated_input=True`, set by the
  builders for the layer right after `RepeatVector`): the input's projection `x @ kernel` is
  the same at every step, so it is computed once per window instead of once per step (a
  quarter of the tutorial model's products). The arithmetic is Keras' own, in its order;
  XLA may fuse it differently, so results agree to float32 rounding (at most 2.4e-7 apart in
  tests/test_recurrent_layers.py). Used under JAX, which has no fused kernel.

Everything else (masks, recurrent dropout, unrolled copies, non-default activations) falls
back to Keras' own loop. The weights are Keras' (`kernel`, `recurrent_kernel`, `bias`), so a
model saved on one backend loads and predicts the same on another, and the classes are
registered, so a saved model loads in safe mode. Importing this module imports Keras, so
builders import it when they run, after the backend is chosen.
"""

from typing import Any

import keras
from keras import ops

_PACKAGE = "tsadlab"


def _plain_cell(cell: Any) -> bool:
    """The activations and settings the fused kernels and the repeated path compute."""
    return (
        cell.activation is keras.activations.tanh
        and cell.recurrent_activation is keras.activations.sigmoid
        and cell.use_bias
        and not cell.recurrent_dropout
    )


def _torch_fused(layer: Any, mask: Any) -> bool:
    return (
        keras.backend.backend() == "torch"
        and mask is None
        and not layer.unroll
        and _plain_cell(layer.cell)
    )


def _repeated_path(layer: Any, mask: Any, training: bool) -> bool:
    """The input-once path: a repeated input, and nothing that would make steps differ."""
    return (
        layer.repeated_input
        and mask is None
        and not layer.unroll
        # going backwards over a repeated input is the same steps, returned as Keras does
        and not (training and layer.cell.dropout)
        and _plain_cell(layer.cell)
        # TensorFlow keeps Keras' loop: its cuDNN path on a GPU, and its scan does not
        # carry this step's structure; PyTorch runs the fused kernel instead
        and keras.backend.backend() == "jax"
    )


def _dropped(layer: Any, sequences: Any, training: bool) -> Any:
    """The input dropout Keras' fused paths apply: one mask for every step of a window."""
    if not (training and layer.cell.dropout):
        return sequences
    mask = layer.cell.get_dropout_mask(sequences[:, 0, :])
    return sequences * ops.expand_dims(mask, axis=1)


def _time_major_to_batch(steps: Any) -> Any:
    return ops.transpose(steps, (1, 0, 2))


class _FastPaths:
    """What the LSTM and the GRU share: the `repeated_input` setting, and the choice between
    the fused kernel, the input-once loop and Keras' own loop. Each layer supplies
    `_torch_loop` and `_repeated_loop`, which take the state as `_loop_state` gives it."""

    def __init__(self, units: int, repeated_input: bool = False, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.repeated_input = repeated_input

    def get_config(self) -> dict:
        return {**super().get_config(), "repeated_input": self.repeated_input}

    def _fast_paths_apply(self) -> bool:
        return True

    def _loop_state(self, initial_state: Any) -> Any:
        return initial_state

    def inner_loop(self, sequences: Any, initial_state: Any, mask: Any, training: bool = False):
        if isinstance(mask, list | tuple):
            mask = mask[0]
        if self._fast_paths_apply():
            state = self._loop_state(initial_state)
            if _torch_fused(self, mask):
                return self._torch_loop(_dropped(self, sequences, training), state)
            if _repeated_path(self, mask, training):
                return self._repeated_loop(sequences, state)
        return super().inner_loop(sequences, initial_state, mask, training)


@keras.saving.register_keras_serializable(package=_PACKAGE, name="LSTM")
class LSTM(_FastPaths, keras.layers.LSTM):
    """`keras.layers.LSTM`, fused under PyTorch and input-once for a repeated input."""

    def _torch_loop(self, sequences: Any, initial_state: Any) -> tuple:
        import torch

        cell = self.cell
        if self.go_backwards:  # Keras returns the steps in the order it ran them
            sequences = torch.flip(sequences, dims=[1])
        kernel, recurrent = cell.kernel.value, cell.recurrent_kernel.value
        bias = cell.bias.value
        # Keras and PyTorch order the gates alike (input, forget, cell, output); PyTorch holds
        # (4 units, inputs) matrices and two biases, of which one is enough
        params = [kernel.t(), recurrent.t(), bias, torch.zeros_like(bias)]
        h0, c0 = (ops.expand_dims(ops.cast(s, sequences.dtype), 0) for s in initial_state)
        steps, h, c = torch.lstm(
            sequences, (h0, c0), params, True, 1, 0.0, torch.is_grad_enabled(), False, True
        )
        return steps[:, -1], steps, [h[0], c[0]]

    def _repeated_loop(self, sequences: Any, initial_state: Any) -> tuple:
        cell = self.cell
        # LSTMCell (implementation 2): z = x @ kernel + h @ recurrent_kernel + bias, in that order
        projected = ops.matmul(sequences[:, 0, :], cell.kernel)

        def step(carry: Any, _: Any) -> tuple:
            h, c = carry
            z = ops.add(projected, ops.matmul(h, cell.recurrent_kernel))
            z = ops.add(z, cell.bias)
            c, o = cell._compute_carry_and_output_fused(ops.split(z, 4, axis=1), c)
            h = o * cell.activation(c)
            return (h, c), h

        (h, c), steps = ops.scan(step, tuple(initial_state), None, length=sequences.shape[1])
        return h, _time_major_to_batch(steps), [h, c]


@keras.saving.register_keras_serializable(package=_PACKAGE, name="GRU")
class GRU(_FastPaths, keras.layers.GRU):
    """`keras.layers.GRU` (reset after, its default), fused under PyTorch and input-once for
    a repeated input."""

    def _fast_paths_apply(self) -> bool:
        return self.cell.reset_after  # PyTorch's GRU, and the loop below, reset after

    def _loop_state(self, initial_state: Any) -> Any:
        return initial_state[0] if isinstance(initial_state, list | tuple) else initial_state

    def _torch_loop(self, sequences: Any, state: Any) -> tuple:
        import torch

        cell, units = self.cell, self.cell.units
        if self.go_backwards:
            sequences = torch.flip(sequences, dims=[1])

        def torch_gates(matrix: Any) -> Any:
            # Keras orders the gates (update, reset, new); PyTorch (reset, update, new)
            z, r, n = matrix[..., :units], matrix[..., units : 2 * units], matrix[..., 2 * units :]
            return torch.cat([r, z, n], dim=-1)

        bias = cell.bias.value  # (2, 3 units): the input bias, then the recurrent one
        params = [
            torch_gates(cell.kernel.value).t(),
            torch_gates(cell.recurrent_kernel.value).t(),
            torch_gates(bias[0]),
            torch_gates(bias[1]),
        ]
        h0 = ops.expand_dims(ops.cast(state, sequences.dtype), 0)
        steps, h = torch.gru(
            sequences, h0, params, True, 1, 0.0, torch.is_grad_enabled(), False, True
        )
        return steps[:, -1], steps, [h[0]]

    def _repeated_loop(self, sequences: Any, state: Any) -> tuple:
        cell, units = self.cell, self.cell.units
        input_bias, recurrent_bias = cell.bias[0], cell.bias[1]
        # GRUCell (implementation 2, reset after), in its order
        projected = ops.add(ops.matmul(sequences[:, 0, :], cell.kernel), input_bias)
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)

        def step(h: Any, _: Any) -> tuple:
            inner = ops.matmul(h, cell.recurrent_kernel)
            inner = inner + recurrent_bias
            z = cell.recurrent_activation(x_z + inner[:, :units])
            r = cell.recurrent_activation(x_r + inner[:, units : 2 * units])
            hh = cell.activation(x_h + r * inner[:, 2 * units :])
            h = z * h + (1 - z) * hh
            return h, h

        h, steps = ops.scan(step, state, None, length=sequences.shape[1])
        return h, _time_major_to_batch(steps), [h]
