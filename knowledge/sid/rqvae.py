"""RQ-VAE that turns item embeddings into a few residual codes (the semantic-ID prefix)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from knowledge.sid.ids import code_stats

log = logging.getLogger(__name__)


@dataclass
class RQVAEConfig:
    """Shape and training settings of the RQ-VAE."""

    input_dim: int = 384
    """Length of the item embeddings it reads."""
    hidden_dims: tuple[int, ...] = (512, 256, 128)
    """Widths of the encoder's hidden layers (the decoder mirrors them)."""
    latent_dim: int = 32
    """Dimension of the quantized latent space."""
    n_levels: int = 3
    """Number of residual quantization levels (codes per item before disambiguation)."""
    codebook_size: int = 256
    """Codes per level."""
    beta: float = 0.25
    """Weight of the commitment loss (pulls encoder outputs toward their codes)."""
    epochs: int = 200
    """Passes over the items."""
    batch_size: int = 512
    """Items per step."""
    lr: float = 1e-3
    """AdamW learning rate."""
    weight_decay: float = 1e-4
    """AdamW weight decay."""
    kmeans_iters: int = 25
    """Lloyd iterations of the k-means that initializes each codebook."""
    reset_every: int = 10
    """Epochs between dead-code resets (0 turns resets off)."""
    reset_until: float = 0.8
    """Stop resetting dead codes after this share of the epochs so the codes settle."""
    seed: int = 0
    """Seed of the initialization, the k-means seeding, the resets and the batch order."""

    def to_dict(self) -> dict[str, object]:
        """Return the config as JSON-ready values."""
        data = asdict(self)
        data["hidden_dims"] = list(self.hidden_dims)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RQVAEConfig:
        """Build a config from `to_dict` output, rejecting unknown keys."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown RQVAEConfig keys: {sorted(unknown)}")
        values = dict(data)
        if "hidden_dims" in values:
            values["hidden_dims"] = tuple(values["hidden_dims"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


class RQVAEOutput(NamedTuple):
    """What one forward pass of the RQ-VAE returns."""

    recon: torch.Tensor
    """(B, D) reconstructed embeddings."""
    codes: torch.Tensor
    """(B, L) code index per level."""
    recon_loss: torch.Tensor
    """() mean squared reconstruction error."""
    quant_loss: torch.Tensor
    """() codebook loss plus beta times commitment loss, summed over levels."""


def _mlp(dims: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(dims)):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def kmeans(x: torch.Tensor, k: int, iters: int, generator: torch.Generator) -> torch.Tensor:
    """Cluster ``x`` (N, d) into ``k`` centroids (k-means++ seeding, then Lloyd steps)."""
    n = x.shape[0]
    centroids = torch.empty(k, x.shape[1], dtype=x.dtype)
    first = int(torch.randint(n, (1,), generator=generator))
    centroids[0] = x[first]
    closest = ((x - centroids[0]) ** 2).sum(1)  # (N,)
    for j in range(1, k):
        total = closest.sum()
        if float(total) <= 0:  # fewer distinct points than codes: repeat points
            idx = int(torch.randint(n, (1,), generator=generator))
        else:
            idx = int(torch.multinomial(closest / total, 1, generator=generator))
        centroids[j] = x[idx]
        closest = torch.minimum(closest, ((x - centroids[j]) ** 2).sum(1))
    for _ in range(iters):
        assign = torch.cdist(x, centroids).argmin(1)  # (N,)
        sums = torch.zeros_like(centroids).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).to(x.dtype)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]
    return centroids


class ResidualQuantizer(nn.Module):
    """A stack of codebooks; each level quantizes what the levels before it left over."""

    def __init__(self, n_levels: int, codebook_size: int, dim: int, beta: float) -> None:
        super().__init__()
        self.beta = beta
        self.codebooks = nn.ParameterList(
            [nn.Parameter(torch.randn(codebook_size, dim) * 0.01) for _ in range(n_levels)]
        )

    def residuals(self, z: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Return the residual entering each level (each (B, d)) and the codes (B, L)."""
        residual = z
        inputs, codes = [], []
        for book in self.codebooks:
            inputs.append(residual)
            code = torch.cdist(residual, book).argmin(1)  # (B,)
            codes.append(code)
            residual = residual - book[code]
        return inputs, torch.stack(codes, 1)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Quantize (B, d) latents: straight-through output (B, d), codes (B, L), loss ()."""
        inputs, codes = self.residuals(z)
        quantized = torch.zeros_like(z)
        loss = z.new_zeros(())
        for level, (book, residual) in enumerate(zip(self.codebooks, inputs, strict=True)):
            q = book[codes[:, level]]  # (B, d)
            loss = (
                loss
                + F.mse_loss(q, residual.detach())
                + self.beta * F.mse_loss(residual, q.detach())
            )
            quantized = quantized + q
        # Straight-through estimator: the decoder's gradient flows to the encoder unchanged.
        return z + (quantized - z).detach(), codes, loss


class RQVAE(nn.Module):
    """Encoder MLP, residual quantizer and decoder MLP over item embeddings."""

    mean: torch.Tensor
    """(D,) mean of the training embeddings."""
    scale: torch.Tensor
    """(D,) standard deviation of the training embeddings."""

    def __init__(self, config: RQVAEConfig) -> None:
        super().__init__()
        self.config = config
        dims = [config.input_dim, *config.hidden_dims, config.latent_dim]
        self.encoder = _mlp(dims)
        self.decoder = _mlp(dims[::-1])
        self.quantizer = ResidualQuantizer(
            config.n_levels, config.codebook_size, config.latent_dim, config.beta
        )
        # Embedding components are tiny (unit vectors in 384 dims); standardizing them keeps
        # the reconstruction loss from being drowned by the quantization loss.
        self.register_buffer("mean", torch.zeros(config.input_dim))
        self.register_buffer("scale", torch.ones(config.input_dim))

    @torch.no_grad()
    def fit_scaling(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> None:
        """Set the input standardization from the training embeddings (N, D).

        ``weights`` (D,) scale each standardized input dimension, and so its share of the
        reconstruction loss: a block of collaborative features can weigh as much as the
        text embedding although it has fewer dimensions.
        """
        self.mean.copy_(x.mean(0))
        scale = x.std(0).clamp_min(1e-6)
        if weights is not None:
            scale = scale / weights.clamp_min(1e-6)
        self.scale.copy_(scale)

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        """Map raw embeddings (B, D) to the standardized space the model works in."""
        return (x - self.mean) / self.scale

    def forward(self, x: torch.Tensor) -> RQVAEOutput:
        """Encode, quantize and reconstruct a batch of embeddings (B, D)."""
        x = self.standardize(x)
        z = self.encoder(x)  # (B, d)
        z_q, codes, quant_loss = self.quantizer(z)  # (B, d), (B, L), ()
        recon = self.decoder(z_q)  # (B, D)
        return RQVAEOutput(recon, codes, F.mse_loss(recon, x), quant_loss)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return the codes (B, L) of a batch of embeddings (B, D); the model is not changed."""
        was_training = self.training
        self.eval()
        _, codes = self.quantizer.residuals(self.encoder(self.standardize(x)))
        self.train(was_training)
        return codes

    @torch.no_grad()
    def init_codebooks(self, x: torch.Tensor, generator: torch.Generator) -> None:
        """Set each codebook to k-means centroids of the residuals reaching its level."""
        residual = self.encoder(self.standardize(x))
        k = self.config.codebook_size
        for book in self.quantizer.codebooks:
            book.copy_(kmeans(residual, k, self.config.kmeans_iters, generator))
            residual = residual - book[torch.cdist(residual, book).argmin(1)]

    @torch.no_grad()
    def reset_dead_codes(self, x: torch.Tensor, generator: torch.Generator) -> int:
        """Move codes no item uses onto residuals of random items; return how many moved."""
        inputs, codes = self.quantizer.residuals(self.encoder(self.standardize(x)))
        moved = 0
        for level, book in enumerate(self.quantizer.codebooks):
            used = torch.bincount(codes[:, level], minlength=book.shape[0])
            dead = torch.nonzero(used == 0).flatten()
            if dead.numel() == 0:
                continue
            # Prefer residuals far from their current code: they are the worst served.
            err = ((inputs[level] - book[codes[:, level]]) ** 2).sum(1)
            picks = torch.multinomial(
                err + 1e-12, dead.numel(), replacement=False, generator=generator
            )
            book[dead] = inputs[level][picks]
            moved += int(dead.numel())
        return moved


class RQVAEStats(NamedTuple):
    """Final losses of RQ-VAE training and the codebook entropy after every epoch."""

    recon_loss: float
    quant_loss: float
    codes_reset: int
    entropy: list[list[float]]
    """Per epoch, per level: entropy of the items' code distribution over log(codebook
    size), so 1.0 is a perfectly even spread and 0.0 a collapse onto one code."""


def train_rqvae(
    embeddings: np.ndarray,
    config: RQVAEConfig,
    on_epoch: Callable[[int], None] | None = None,
    weights: np.ndarray | None = None,
) -> tuple[RQVAE, RQVAEStats]:
    """Train an RQ-VAE on (N, D) embeddings; the same seed gives the same model.

    ``weights`` (D,) weigh the input dimensions (see `RQVAE.fit_scaling`).
    """
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    x = torch.from_numpy(np.array(embeddings, dtype=np.float32))  # (N, D)
    if x.ndim != 2 or x.shape[1] != config.input_dim:
        raise ValueError(
            f"expected embeddings of shape (n, {config.input_dim}), got {tuple(x.shape)}"
        )
    model = RQVAE(config)
    model.fit_scaling(x, None if weights is None else torch.as_tensor(weights, dtype=torch.float32))
    model.init_codebooks(x, generator)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    n = x.shape[0]
    reset_total = 0
    recon_loss = quant_loss = 0.0
    entropy: list[list[float]] = []
    for epoch in range(config.epochs):
        model.train()
        order = torch.as_tensor(rng.permutation(n))
        recon_sum = quant_sum = 0.0
        for start in range(0, n, config.batch_size):
            batch = x[order[start : start + config.batch_size]]
            out = model(batch)
            loss = out.recon_loss + out.quant_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            recon_sum += out.recon_loss.item() * batch.shape[0]
            quant_sum += out.quant_loss.item() * batch.shape[0]
        recon_loss, quant_loss = recon_sum / n, quant_sum / n
        if (
            config.reset_every
            and (epoch + 1) % config.reset_every == 0
            and epoch + 1 < config.reset_until * config.epochs
        ):
            reset_total += model.reset_dead_codes(x, generator)
        entropy.append(code_stats(model.encode(x).numpy(), config.codebook_size).entropy)
        log.debug("RQ-VAE epoch %d: recon %.5f, code entropy %s", epoch, recon_loss, entropy[-1])
        if on_epoch is not None:
            on_epoch(epoch)
    model.eval()
    log.info(
        "RQ-VAE trained: recon %.5f, quant %.5f, %d dead codes reset, code entropy %s",
        recon_loss,
        quant_loss,
        reset_total,
        [round(e, 3) for e in entropy[-1]] if entropy else [],
    )
    return model, RQVAEStats(recon_loss, quant_loss, reset_total, entropy)


__all__ = [
    "RQVAE",
    "RQVAEConfig",
    "RQVAEOutput",
    "RQVAEStats",
    "kmeans",
    "train_rqvae",
]
