"""The run store: run folders, their datasets and provenance."""
from .draws import BATCH, DrawsWriter
from .files import check_target, replace_file
from .folder import Run, clean, leftovers, list_runs, open_run, write_run_folder
from .manifest import MANIFEST, read_manifest, run_files
from .summary import headline_rows, median_precision, summary_bytes, summary_dataset

__all__ = ["BATCH", "DrawsWriter", "Run", "clean", "leftovers", "list_runs", "open_run", "summary_bytes", "summary_dataset",
           "write_run_folder", "MANIFEST", "read_manifest", "run_files", "headline_rows", "median_precision", "replace_file",
           "check_target"]
