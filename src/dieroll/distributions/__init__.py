"""Distribution families, their parameterisations and their kernel sampler."""
from .base import Distribution, KernelSpec, Truncated
from .families import Beta, Discrete, Fixed, Lognormal, Normal, Pert, Triangular, Uniform
from .metalog import Metalog, MetalogError
from .spec import FAMILIES, parse_dist, quantile_key

__all__ = ["Distribution", "KernelSpec", "Truncated", "Beta", "Discrete", "Fixed", "Lognormal",
           "Normal", "Pert", "Triangular", "Uniform", "Metalog", "MetalogError", "FAMILIES",
           "parse_dist", "quantile_key"]
