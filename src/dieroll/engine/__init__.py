"""The engine: input layout, Philox streams, sampling, the chunked run and its reducers."""
from .simulate import STOP, Simulation, evaluate, simulate

__all__ = ["STOP", "Simulation", "evaluate", "simulate"]
