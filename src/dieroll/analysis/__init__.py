"""Which dispute matters: claim-conditional results, reweighting, sensitivity."""
from .compare import differences, table_months
from .disputes import disputes
from .drivers import Driver, bases_of, judgement_drivers, ranked_quantities
from .reweight import reweight, sweep, weighted_quantiles
from .sensitivity import sensitivity

__all__ = ["disputes", "Driver", "bases_of", "judgement_drivers", "ranked_quantities", "reweight", "sweep", "weighted_quantiles", "sensitivity",
           "differences", "table_months"]
