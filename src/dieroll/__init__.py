"""dieroll: Monte Carlo uncertainty for AI chip supply under disputed evidence."""
__version__ = "0.1.0"
