"""USAD (Audibert et al., "USAD: UnSupervised Anomaly Detection on Multivariate Time
Series", KDD 2020): two autoencoders sharing an encoder, trained first to reconstruct the
window and then adversarially; a window's score is how badly AE1, and AE2 fed with AE1's
output, reconstruct it.

The model, on a window W flattened to window * n_features values (n_in):

- encoder: Dense(relu) per hidden size (null `hidden_units`: the authors' n_in/2, n_in/4,
  at least 1 each), then Dense(latent_dim, relu); decoder 1 and decoder 2 mirror it, ending
  in Dense(n_in, output_activation); AE1 = decoder1(encoder), AE2 = decoder2(encoder).
  Weights start as PyTorch's nn.Linear defaults, as in both references.
- training, in epoch n (counted from 1): w1 = AE1(W), w2 = AE2(W), w3 = AE2(AE1(W)),
  L1 = 1/n mse(W, w1) + (1 - 1/n) mse(W, w3) is AE1's loss (encoder + decoder 1),
  L2 = 1/n mse(W, w2) - (1 - 1/n) mse(W, w3) is AE2's (encoder + decoder 2).
- score: alpha * mse(W, w1) + beta * mse(W, w3) per window (authors: alpha = beta = 0.5).

How the two losses are trained. The paper's Algorithm 1 trains AE1 (encoder + decoder 1)
on L1 and AE2 (encoder + decoder 2) on L2; the authors' code (github manigalati/usad,
usad.py, 2021 on) steps two Adam optimizers, one per autoencoder. Keras 3 has one optimizer
per model and a custom `train_step` is backend-specific, so the gradients are routed inside
`compute_loss`, which every backend differentiates:

- Each layer's weights are a sum of parts, one per autoencoder that trains it: the encoder
  has AE1's part (initialised as usual) and AE2's part (initialised to zero), a decoder one
  part. L1 is computed with stop_gradient on AE2's parts and L2 with stop_gradient on AE1's,
  so the gradient of the compiled loss L1 + L2 is exactly dL1 for the encoder's AE1 part
  and dL2 for its AE2 part. The optimizer keeps its moments per variable, so with Adam (or
  any optimizer whose step of a variable depends on that variable's gradients only) the
  encoder, the sum of its parts, moves by the two authors' optimizers' steps added up.
- One optimizer on plain L1 + L2 would not: the w3 terms cancel in the sum,
  L1 + L2 = 1/n (mse(W, w1) + mse(W, w2)). Its gradient for the shared encoder does equal
  dL1 + dL2 (whose w3 terms cancel too), so plain SGD would move the encoder as the two
  optimizers do, but Adam not (each of the authors' optimizers normalises its own gradient
  before the two steps add up). Its gradient for decoder 1 lacks L1's
  (1 - 1/n) d mse(W, w3) / d decoder1 (AE1 learning to fool AE2), for decoder 2 L2's
  -(1 - 1/n) d mse(W, w3) / d decoder2 (AE2 learning to tell AE1's output from data).
  TSB-AD 1.5 (models/USAD.py) trains so: one AdamW on mean(l1 + l2), two plain
  autoencoders sharing an encoder.
- The decoders (`adversarial_decoders`). In the paper decoder 1 learns dL1 and decoder 2
  dL2 (`true`). Not in the authors' code as it runs: their loop never clears the gradient
  one loss leaves in the other optimizer's decoder (loss1.backward() fills decoder 2's
  .grad, which only optimizer2.zero_grad() clears, after optimizer2.step() has used it;
  loss2.backward() likewise fills decoder 1's for the next batch), so each decoder steps on
  d(L1 + L2), to first order 1/n d mse(W, its own reconstruction), and only the encoder
  is trained adversarially. The default (`false`) does that: each decoder gets d(L1 + L2)
  (as with TSB-AD's one optimizer; the encoder's two parts are what differs).
  With `true` AE2 learns to maximise mse(W, w3), with a weight 1 - 1/n that tends to 1: on
  a small two-sine series that error reached the sigmoid's limit within 5 epochs for every
  window (so every window scored alike), and grew without bound (1e5 after 10 epochs) with
  a linear output. (The authors' first release, of August 2020, summed both losses'
  gradients into every weight before both steps: no adversarial training at all.)
- Left from the authors' training: both losses' gradients are taken at the same weights,
  where they step AE1 first and recompute L2 after it; and the leaked part of a decoder's
  gradient is as fresh as the rest, where theirs is older (decoder 2's from before AE1's
  step, decoder 1's from the previous batch): differences of second order in the learning
  rate. An optimizer setting that reads every gradient at once (global_clipnorm) is not
  split, and weight decay (AdamW) decays the encoder once per part, not once per
  optimizer; the default Adam has neither.

The epoch number n is a model variable set to epoch + 1 at the start of every epoch by the
callback from `fit_callbacks()`, which tsadlab's fit adds; so a resumed training
(`initial_epoch`) goes on with the right weights. n = 1 in the first epoch, as the authors
count (TSB-AD counts from 2).

What Keras reports: `loss` is L1 + L2 (TSB-AD's reported loss), which equals
1/n (mse(W, w1) + mse(W, w2)) and so falls with n by construction: early stopping on it
rarely stops a USAD training (the authors train a fixed number of epochs), and its val_loss
is no measure to compare with other models or across epochs budgets (search with a
detection objective). `loss1` and `loss2` are L1 and L2 (the authors' val_loss1/2).

Other choices:

- `model.predict` returns AE1's reconstruction shaped like the window; tsadlab scores the
  windows with `score_windows` (USAD's score), so `scoring.error` is not used. A window's
  score goes to its centre row (`scoring.alignment=auto` takes `centre`, as TSB-AD's USAD
  pads its window scores: ceil((w-1)/2) copies of the first in front, (w-1)//2 of the last
  behind, the rule of its PCA, against which tests/test_subsequence.py checks `centre` row
  for row; USAD's own scores are not compared, as TSB-AD's USAD needs torch).
- The decoders' sigmoid output (both references) reconstructs values in (0, 1) only: the
  authors min-max scale their data; pair it with data.scaler=minmax, or set
  model.output_activation=linear (TSB-AD z-scores its data and keeps the sigmoid, so it
  cannot reconstruct any value below the mean).
- `model.loss` is not used (USAD has its own losses): any value but the default is refused.
- Defaults: alpha = beta = 0.5 and lr 1e-3 (Adam's default) are the authors'; latent_dim
  16 is neither reference's (the authors' notebook: window * 100, wider than the window;
  TSB-AD: 5): with 5 ReLU code units a small two-sine autoencoder here stalled with one
  channel unlearned in 2 of 4 seeds, with 16 in none. TSB-AD's settings (window and lr
  as tuned in its HP_list, the rest fixed in its code): model.hidden_units=[16,16]
  model.latent_dim=5 model.alpha=0.1 model.beta=0.9 data.window=100 trainer.epochs=10
  trainer.batch_size=128 trainer.validation_split=0.2 trainer.lr_decay_every=5
  trainer.lr_decay_factor=0.9 (its AdamW's weight decay 1e-5 is not configurable here).
"""

from dataclasses import dataclass
from typing import Any

from tsadlab.data.windows import Target
from tsadlab.errors import ConfigError
from tsadlab.models import KerasModelConfig, check_sizes, register_model


@dataclass
class UsadConfig(KerasModelConfig):
    """USAD: flattened window -> Dense(relu) per hidden size (null: in/2, in/4) ->
    Dense(latent_dim, relu) -> two mirrored decoders (output_activation); AE1 and AE2 trained
    on losses weighted 1/n and 1 - 1/n in epoch n, as the authors' two optimizers (the
    paper's adversarial decoders: adversarial_decoders=true); score = alpha * AE1 error +
    beta * AE2(AE1) error."""

    name: str = "usad"
    hidden_units: list[int] | None = None
    latent_dim: int = 16
    alpha: float = 0.5
    beta: float = 0.5
    output_activation: str = "sigmoid"
    adversarial_decoders: bool = False


@register_model(UsadConfig, keras_scores_windows=True, alignment="centre")
def build_usad(cfg: UsadConfig, window: int, n_features: int, seed: int) -> Any:
    """USAD's two autoencoders as one Keras model, compiled with the configured optimizer."""
    import keras

    from tsadlab.models._keras import compile_model
    from tsadlab.models._usad_keras import Usad

    check_usad(cfg)
    try:
        keras.activations.get(cfg.output_activation)
    except ValueError:
        raise ConfigError(
            f"Received: model.output_activation={cfg.output_activation} "
            "(must be a Keras activation such as sigmoid, linear)"
        ) from None
    size = window * n_features
    hidden = (
        [max(1, size // 2), max(1, size // 4)]
        if cfg.hidden_units is None
        else check_sizes("hidden_units", cfg.hidden_units)
    )
    model = Usad(
        window=window,
        n_features=n_features,
        hidden_units=hidden,
        latent_dim=cfg.latent_dim,
        alpha=cfg.alpha,
        beta=cfg.beta,
        output_activation=cfg.output_activation,
        adversarial_decoders=bool(cfg.adversarial_decoders),
        name="usad",
    )
    model.build((None, window, n_features))
    # compile_model checks the optimizer and rate and makes the optimizer; USAD's own
    # compute_loss replaces any Keras loss, so it is compiled again without one
    compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)
    model.compile(optimizer=model.optimizer)
    return model


def check_usad(cfg: UsadConfig) -> None:
    """USAD's own keys, and the inherited ones it does not use, in range."""
    if cfg.target is not Target.reconstruction:
        raise ConfigError(
            f"Received: model.target={cfg.target.value} with model=usad (USAD reconstructs its "
            "window: use model.target=reconstruction)"
        )
    if cfg.loss != KerasModelConfig.loss:
        raise ConfigError(
            f"Received: model.loss={cfg.loss} with model=usad (USAD trains on its own two "
            "losses: leave model.loss unset)"
        )
    if cfg.latent_dim < 1:
        raise ConfigError(f"Received: model.latent_dim={cfg.latent_dim} (must be >= 1)")
    if not (cfg.alpha >= 0 and cfg.beta >= 0 and cfg.alpha + cfg.beta > 0):
        raise ConfigError(
            f"Received: model.alpha={cfg.alpha}, model.beta={cfg.beta} (need both >= 0, not both 0)"
        )
