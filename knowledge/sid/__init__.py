"""Semantic-ID generator: RQ-VAE item codes, a TIGER-style model, trie-constrained decoding."""

from __future__ import annotations

from knowledge.sid.artifacts import load_generator, save_generator
from knowledge.sid.generator import Recommendation, SIDGenerator
from knowledge.sid.ids import SemanticIds
from knowledge.sid.rqvae import RQVAE, RQVAEConfig
from knowledge.sid.seqmodel import SIDModelConfig, SIDSeqModel
from knowledge.sid.train import SIDConfig

__all__ = [
    "RQVAE",
    "RQVAEConfig",
    "Recommendation",
    "SIDConfig",
    "SIDGenerator",
    "SIDModelConfig",
    "SIDSeqModel",
    "SemanticIds",
    "load_generator",
    "save_generator",
]
