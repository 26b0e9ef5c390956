"""Distribution families, their parameterisations and their kernel sampler."""
from .base import Distribution, KernelSpec, Truncated
from .families import Beta, Discrete, Fixed, Lognormal, Normal, Pert, Triangular, Uniform
from ._sample import sample, sample_z, sample_z_block, takes_z
from .metalog import Metalog, MetalogError
from .spec import FAMILIES, parse_dist, quantile_key

__all__ = ["Distribution", "KernelSpec", "Truncated", "Beta", "Discrete", "Fixed", "Lognormal",
           "Normal", "Pert", "Triangular", "Uniform", "Metalog", "MetalogError", "FAMILIES",
           "parse_dist", "quantile_key",
           # the kernel sampler (numba), called by the engine's sampling kernel
           "sample", "sample_z", "sample_z_block", "takes_z"]
