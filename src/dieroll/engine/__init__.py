"""The engine: input layout, Philox streams, sampling, the chunked run and its reducers.

``dieroll.simulate`` and ``dieroll.evaluate`` are the engine's entry points; the
package exports only names that do not shadow its modules (``dieroll.engine.simulate``
stays the module).
"""
from .distributed import DEFAULT_TASK_SIZE, check_task_size, connect, local_cluster
from .simulate import STOP, Simulation

__all__ = ["STOP", "Simulation", "DEFAULT_TASK_SIZE", "check_task_size", "connect", "local_cluster"]
