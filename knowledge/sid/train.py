"""Training: the RQ-VAE codes, the sequence model, and a shared early-stopping loop."""

from __future__ import annotations

import copy
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from rich.progress import Progress
from torch import nn

from knowledge.sid.baselines import RowRecommender
from knowledge.sid.data import PAD, batches, training_windows
from knowledge.sid.generator import SIDGenerator
from knowledge.sid.ids import PrefixVocab, SemanticIds
from knowledge.sid.metrics import ranking_metrics
from knowledge.sid.rqvae import RQVAE, RQVAEConfig, train_rqvae
from knowledge.sid.seqmodel import Siblings, SIDModelConfig, SIDSeqModel

log = logging.getLogger(__name__)

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class FitConfig:
    """Optimization and early stopping of a sequence model."""

    epochs: int = 40
    """Most passes over the training windows."""
    batch_size: int = 64
    """Windows per step."""
    lr: float = 3e-3
    """Peak AdamW learning rate."""
    weight_decay: float = 0.05
    """AdamW weight decay."""
    warmup_steps: int = 100
    """Steps of linear learning-rate warm-up."""
    grad_clip: float = 1.0
    """Largest gradient norm."""
    eval_every: int = 2
    """Epochs between validations."""
    patience: int = 3
    """Validations without a better NDCG@10 before training stops."""
    seed: int = 0
    """Seed of the initialization, the window cuts and the batch order."""

    def to_dict(self) -> dict[str, object]:
        """Return the config as JSON-ready values."""
        return asdict(self)


class FitResult(NamedTuple):
    """What one training run reached."""

    best_epoch: int
    best_ndcg10: float
    """Validation NDCG@10 of the kept weights."""
    epochs_run: int
    seconds: float
    curve: list[tuple[int, float, float]]
    """(epoch, mean training loss, validation NDCG@10) at each validation."""


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch CPU threads (``None``: leave the setting alone).

    On a small, shared CPU one thread is often fastest for these small models: with two,
    the threads spin waiting for each other on every small matrix product.
    """
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed torch and return a numpy generator with the same seed."""
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def validate(
    model: RowRecommender, histories: Sequence[Sequence[int]], targets: Sequence[int], k: int = 10
) -> dict[str, float]:
    """Rank for each history (its own items excluded) and score against the targets."""
    rankings = [model.recommend_rows(h, k, h) for h, _ in zip(histories, targets, strict=True)]
    return ranking_metrics(rankings, targets, (5, k))


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    recommender: RowRecommender,
    train: Sequence[Sequence[int]],
    valid: tuple[Sequence[Sequence[int]], Sequence[int]],
    max_len: int,
    config: FitConfig,
    progress: Progress | None = None,
    label: str = "training",
) -> FitResult:
    """Train with AdamW on next-item windows; keep the weights of the best validation NDCG@10."""
    rng = seed_everything(config.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min(1.0, (step + 1) / max(config.warmup_steps, 1))
    )
    best_state = copy.deepcopy(model.state_dict())
    best, best_epoch, stale = -1.0, 0, 0
    curve: list[tuple[int, float, float]] = []
    start = time.perf_counter()
    task = progress.add_task(label, total=config.epochs) if progress is not None else None
    epoch = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        x, y = training_windows(train, max_len, rng)
        losses = []
        for idx in batches(len(x), config.batch_size, rng):
            loss = loss_fn(torch.as_tensor(x[idx]), torch.as_tensor(y[idx]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            opt.step()
            sched.step()
            losses.append(loss.item())
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            score = validate(recommender, *valid)["ndcg@10"]
            curve.append((epoch, float(np.mean(losses)), score))
            log.info(
                "%s epoch %d: loss %.4f, valid NDCG@10 %.4f", label, epoch, curve[-1][1], score
            )
            if score > best:
                best, best_epoch, stale = score, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                stale += 1
                if stale >= config.patience:
                    if progress is not None and task is not None:
                        progress.update(task, completed=config.epochs)
                    break
        if progress is not None and task is not None:
            progress.update(
                task, advance=1, description=f"{label} (valid NDCG@10 {max(best, 0):.4f})"
            )
    model.load_state_dict(best_state)
    model.eval()
    return FitResult(best_epoch, best, epoch, time.perf_counter() - start, curve)


def code_lookup(ids: SemanticIds) -> torch.Tensor:
    """Return the codes of every row plus a final all-padding row (N + 1, L) for row -1."""
    pad = np.full((1, ids.n_levels), PAD, dtype=np.int64)
    return torch.as_tensor(np.vstack([ids.codes, pad]))


def sid_loss(generator: SIDGenerator, constrained: bool = True) -> LossFn:
    """Return the teacher-forced loss of the generator's model on windows of item rows.

    ``constrained`` scores each level only among the codes the trie allows after the true
    prefix, as decoding does; codes that no item continues then cost nothing to learn.
    Past the first level that is a handful of sibling codes, so those levels are scored
    over the siblings alone (`SIDSeqModel.sibling_logits`) instead of all V codes.
    """
    model, ids = generator.model, generator.ids
    lookup = code_lookup(ids)
    ngrams = None
    if generator.row_prefixes is not None:
        pad = np.zeros((1, generator.row_prefixes.shape[1]), dtype=np.int64)
        ngrams = torch.as_tensor(np.vstack([generator.row_prefixes, pad]))
    first_parent, first_allowed, _ = generator.trie.level_masks(ids.vocab_sizes)[0]
    first = (torch.as_tensor(first_parent), torch.as_tensor(first_allowed))
    tables = []
    for lvl in range(1, ids.n_levels):
        parent, codes, slot = generator.trie.sibling_tables(lvl)
        prefixes = None
        if generator.children is not None and lvl <= len(generator.children):
            # Both list the parents of this level in the same sorted order.
            table = generator.children[lvl - 1].table  # (P, V)
            prefixes = np.where(codes >= 0, np.take_along_axis(table, np.maximum(codes, 0), 1), 0)
        tables.append(
            (
                torch.as_tensor(parent),
                torch.as_tensor(codes),
                None if prefixes is None else torch.as_tensor(prefixes),
                torch.as_tensor(slot),
            )
        )

    def loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # Row -1 indexes the padding row at the end of the lookup tables.
        history_prefixes = None if ngrams is None else ngrams[x]
        if not constrained:
            return model(lookup[x], lookup[y], history_prefixes).loss
        rows = y[y != PAD]  # (N,) in the row-major order the model keeps targets
        siblings = [
            Siblings(codes[p[rows]], None if kids is None else kids[p[rows]], slot[rows])
            for p, codes, kids, slot in tables
        ]
        allowed = [first[1][first[0][rows]]]
        return model(lookup[x], lookup[y], history_prefixes, allowed, siblings=siblings).loss

    return loss


@dataclass
class SIDConfig:
    """Everything that shapes a semantic-ID generator."""

    rqvae: RQVAEConfig = field(default_factory=RQVAEConfig)
    model: SIDModelConfig = field(default_factory=SIDModelConfig)
    fit: FitConfig = field(default_factory=FitConfig)
    beam_size: int = 20
    """Beams kept per level while decoding."""
    constrained_loss: bool = True
    """Train on the trie-constrained distribution (see `sid_loss`)."""
    prefix_embeddings: bool = True
    """Give the model embeddings of ID prefixes as well as of single codes."""
    longest_prefix: int = 4
    """Longest ID prefix with its own embedding (2: the first two codes only)."""

    def with_seed(self, seed: int) -> SIDConfig:
        """Return a copy whose RQ-VAE and sequence model use ``seed``."""
        out = copy.deepcopy(self)
        out.rqvae.seed = seed
        out.fit.seed = seed
        return out

    def to_dict(self) -> dict[str, object]:
        """Return the config as JSON-ready values."""
        return {
            "rqvae": self.rqvae.to_dict(),
            "model": self.model.to_dict(),
            "fit": self.fit.to_dict(),
            "beam_size": self.beam_size,
            "constrained_loss": self.constrained_loss,
            "prefix_embeddings": self.prefix_embeddings,
            "longest_prefix": self.longest_prefix,
        }


def build_ids(
    item_ids: Sequence[str],
    embeddings: np.ndarray,
    config: RQVAEConfig,
    progress: Progress | None = None,
) -> tuple[RQVAE, SemanticIds]:
    """Train the RQ-VAE on the item embeddings and give every item its unique semantic ID.

    The RQ-VAE's input width follows the embeddings, whatever the config says.
    """
    config = dataclasses.replace(config, input_dim=int(np.asarray(embeddings).shape[1]))
    task = progress.add_task("RQ-VAE", total=config.epochs) if progress is not None else None

    def tick(_: int) -> None:
        if progress is not None and task is not None:
            progress.advance(task)

    rqvae, stats = train_rqvae(embeddings, config, on_epoch=tick)
    prefix = rqvae.encode(torch.from_numpy(np.array(embeddings, dtype=np.float32))).numpy()
    ids = SemanticIds.from_prefix_codes(item_ids, prefix, config.codebook_size)
    code = ids.stats()
    log.info(
        "semantic IDs: usage %s, %d of %d items collide before disambiguation (recon %.3f)",
        [round(u, 3) for u in code.usage],
        code.colliding_items,
        code.n_items,
        stats.recon_loss,
    )
    return rqvae, ids


def train_generator(
    rqvae: RQVAE,
    ids: SemanticIds,
    train: Sequence[Sequence[int]],
    valid: tuple[Sequence[Sequence[int]], Sequence[int]],
    config: SIDConfig,
    progress: Progress | None = None,
) -> tuple[SIDGenerator, FitResult]:
    """Train the sequence model on item-row sequences and wrap it as a generator."""
    seed_everything(config.fit.seed)
    model_config = copy.deepcopy(config.model)
    model_config.vocab_sizes = ids.vocab_sizes
    vocab = (
        PrefixVocab.from_codes(ids.codes, config.longest_prefix)
        if config.prefix_embeddings
        else None
    )
    model_config.prefix_vocab_sizes = vocab.sizes if vocab is not None else ()
    model = SIDSeqModel(model_config)
    generator = SIDGenerator(rqvae, ids, model, beam_size=config.beam_size, vocab=vocab)
    log.info("SID sequence model: %d parameters", model.n_parameters())
    result = fit(
        model,
        sid_loss(generator, config.constrained_loss),
        generator,
        train,
        valid,
        model_config.max_len,
        config.fit,
        progress,
        label="SID model",
    )
    generator.model.eval()
    return generator, result
