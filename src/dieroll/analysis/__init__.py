"""Which dispute matters: claim-conditional results, reweighting, sensitivity."""
from .disputes import disputes
from .reweight import reweight, sweep, weighted_quantiles
from .sensitivity import sensitivity

__all__ = ["disputes", "reweight", "sweep", "weighted_quantiles", "sensitivity"]
