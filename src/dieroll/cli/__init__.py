"""The ``dieroll`` command line: one module per command, each with its options beside
what it does (``add_parser`` and ``handle``), listed once in :data:`COMMANDS`.

Every command uses the same public API as notebooks.  Exit status: 0 done; 2 bad
input or a refused action (the message names the file, key and value); 70 an
internal error (a bug); 130 interrupted (Ctrl-C or SIGTERM).
"""
from __future__ import annotations

import importlib
import os
import sys

from ..errors import DierollError, Interrupted, PriorsError
from ._common import Help, take_labels

__all__ = ["main", "build_parser", "COMMANDS"]

#: The commands in the order ``dieroll --help`` lists them: each is the module
#: ``dieroll.cli.<module>``, which defines ``add_parser(sub)`` and ``handle(args)``.
COMMANDS = ("run", "check", "describe", "list_runs", "clean", "show", "chart", "compare", "export", "validate",
            "report", "disputes")


def build_parser():
    """The argparse parser of every command in :data:`COMMANDS`."""
    import argparse

    from .. import __version__
    p = argparse.ArgumentParser(prog="dieroll", formatter_class=Help,
                                description="Monte Carlo for AI chip supply under disputed evidence",
                                epilog="examples:\n  dieroll run priors/baseline.toml\n"
                                       "  dieroll chart baseline --kind yearly --var ascend_made_ytd\n"
                                       "  dieroll export baseline --by year --format xlsx\n"
                                       "Run 'dieroll COMMAND --help' for each command's options.")
    p.add_argument("--version", action="version", version=f"dieroll {__version__}")
    p.add_argument("--runs-dir", default="runs", help="where runs live (default: runs)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return p


def _print_dieroll_warnings() -> None:
    """Show a :class:`~dieroll.errors.DierollWarning` as one line, ``dieroll: warning: ...``."""
    import warnings

    from ..errors import DierollWarning
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, DierollWarning):
            print(f"dieroll: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)
    warnings.showwarning = show
    warnings.simplefilter("always", DierollWarning)


def main(argv=None) -> int:
    """Entry point of the ``dieroll`` command."""
    parser = build_parser()
    argv, labels = take_labels(parser, list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if labels and not getattr(args, "_takes_labels", False):
        parser.error("unrecognized arguments: " + " ".join(f"--{k} {v}" for k, v in labels.items()))
    args.labels = labels
    _print_dieroll_warnings()
    try:
        return args.func(args)
    except PriorsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DierollError as exc:
        print(f"dieroll: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"dieroll: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("dieroll: interrupted; no run was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("DIEROLL_DEBUG"):
            raise
        print(f"dieroll: internal error (a bug in dieroll, please report it): {type(exc).__name__}: "
              f"{str(exc)[:300]}; run again with DIEROLL_DEBUG=1 for the traceback", file=sys.stderr)
        return 70
