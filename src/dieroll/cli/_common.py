"""What the commands share: options (labels, layout), run paths, number formats, saving charts."""
from __future__ import annotations

import argparse
import os
import textwrap

from ..errors import DierollError

__all__ = ["number", "shares_text", "judgement_line",
           "run_path", "add_run_argument", "open_named_run", "save_all", "size_inches",
           "dpi_value", "layout_of", "layout_command", "given_labels", "check_labels", "labels_command", "published_estimates", "Help", "add_command",
           "LABELS_HELP", "add_label_options", "take_labels", "add_layout_options"]


def number(x: float) -> str:
    from ..text import human
    return human(float(x))


def add_run_argument(parser, note=""):
    """The positional RUN argument: a run's name under --runs-dir, or its folder."""
    parser.add_argument("run", help="run name (under --runs-dir) or folder" + note)


def open_named_run(args):
    """``(folder, Run)`` of the run ``args.run`` names (under ``args.runs_dir``), verified."""
    from ..store import open_run
    path = run_path(args.run, args.runs_dir)
    return path, open_run(path)


def judgement_line(driver, at) -> str:
    """The warning printed when a judgement-basis quantity is among the top drivers at ``at``."""
    return (f"! judgement drives this result: {driver.quantity} is driver #{driver.rank} (rank correlation "
            f"{driver.rank_correlation:+.2f}) and rests on judgement up to {at} (basis = \"judgement\", on the "
            "quantity or on a knot that reaches this month): no document gives those numbers")


def shares_text(quantity) -> str:
    """A quantity's claims and their shares of its draws: ``"csis 20 %, ft 80 %"``."""
    def pct(w):
        p = 100 * w
        return f"{p:.0f} %" if abs(p - round(p)) < 0.05 else f"{p:.1f} %"
    return ", ".join(f"{c.id} {pct(c.weight)}" for c in quantity.claims)


def run_path(arg, runs_dir):
    if os.path.isdir(arg) or os.sep in arg:
        return arg
    return os.path.join(runs_dir, arg)


def save_all(fig, out_dir, base, formats, attrs, cmd):
    """Save ``fig`` as each format and its numbers as ``base.csv`` beside it, each file through
    :func:`dieroll.store.replace_file` (never over a run's own files or a non-file)."""
    import matplotlib.pyplot as plt

    from ..plot import save, save_table
    from ..store import check_target, replace_file
    exts = [f.strip().lower() for f in formats.split(",")]

    def write(path, data):
        def put(tmp):
            with open(tmp, "wb") as fh:
                fh.write(data)
        replace_file(path, put, force=True)
    written = []
    try:
        for ext in exts:
            if ext not in ("png", "svg", "pdf"):
                raise DierollError(f"--format {ext!r}: choose from png, svg, pdf")
        for ext in exts + ["csv"]:  # a chart replaces its own earlier files, never a run's or a non-file
            check_target(os.path.join(out_dir, f"{base}.{ext}"), True)
        try:
            os.makedirs(out_dir, exist_ok=True)
        except OSError as exc:
            raise DierollError(f"--out {out_dir!r}: cannot create the folder ({exc.strerror})") from None
        for fmt in exts:
            written += save(fig, os.path.join(out_dir, f"{base}.{fmt}"), attrs, cmd, base, write=write)
        written += save_table(fig, os.path.join(out_dir, f"{base}.csv"), attrs, cmd, write=write)
    finally:
        plt.close(fig)
    return written


def size_inches(text):
    """``WxH`` in inches (``6.4x4``) for --size."""
    try:
        w, h = (float(x) for x in str(text).lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write WIDTHxHEIGHT in inches, e.g. 10x5.6") from None
    if not (1.0 <= w <= 40.0 and 1.0 <= h <= 40.0):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must each be from 1 to 40 inches")
    return (w, h)


def dpi_value(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of dots per inch, e.g. 300") from None
    if not 30 <= v <= 1200:
        raise argparse.ArgumentTypeError(f"{text!r}: from 30 to 1200 dots per inch")
    return v


def layout_of(args) -> dict:
    """The layout arguments of every *_figure function, from --title/--subtitle/--size/--dpi/--no-footnote."""
    out = {}
    for k in ("title", "subtitle"):
        v = getattr(args, k, None)
        if v is not None:
            from ..text import first_unsafe
            if len(v) > 300 or first_unsafe(v) is not None:
                raise DierollError(f"--{k}: printable text of at most 300 characters")
            out[k] = v
    if getattr(args, "size", None):
        out["size"] = args.size
    if getattr(args, "dpi", None):
        out["dpi"] = args.dpi
    if getattr(args, "no_footnote", False):
        out["footnote"] = False
    return out


def layout_command(args) -> str:
    """The layout options as they go into a chart's regenerate command."""
    import shlex
    parts = []
    for k in ("title", "subtitle"):
        if getattr(args, k, None) is not None:
            parts.append(f"--{k} {shlex.quote(getattr(args, k))}")
    if getattr(args, "size", None):
        parts.append(f"--size {args.size[0]:g}x{args.size[1]:g}")
    if getattr(args, "dpi", None):
        parts.append(f"--dpi {args.dpi:g}")
    if getattr(args, "no_footnote", False):
        parts.append("--no-footnote")
    return (" " + " ".join(parts)) if parts else ""


def given_labels(args) -> dict:
    """The ``--SET LABEL`` options given, as ``{SET: LABEL}``."""
    return dict(getattr(args, "labels", {}) or {})


def check_labels(ds, var, labels) -> dict:
    """``labels`` checked against ``var``'s label sets (an unknown set is an error naming the
    ones it has), with the model's declared defaults filled in for the sets not given."""
    from ..selection import label_default, label_dims
    dims = label_dims(ds[var])
    for d in labels:
        if d not in dims:
            raise DierollError(f"--{d}: {var} has no {d} dimension"
                               + (f" (its label sets: {', '.join(dims)})" if dims else " (it has no label sets)"))
    return {d: labels.get(d) or label_default(ds, d) for d in dims if labels.get(d) or label_default(ds, d)}


def labels_command(labels) -> str:
    return "".join(f" --{d} {v}" for d, v in labels.items())


def published_estimates(args):
    if not getattr(args, "published", None):
        return None
    from ..published import load_published
    return load_published(args.published)


class Help(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's examples as written."""


def add_command(sub, name, help, description, examples):
    return sub.add_parser(name, help=help, description=description, formatter_class=Help,
                          epilog="examples:\n" + "\n".join(f"  {e}" for e in examples))


LABELS_HELP = ("label options: --SET LABEL picks a label of the output's label set SET, as the run's model "
                "declares them ('dieroll describe MODEL' lists every output's label sets; for the China model, e.g. "
                "--metric training, --channel smic_ascend, --route smic). A set whose model declares a default "
                "label uses it when not given; any other set of the output must be given.")


def add_label_options(parser, what="the output"):
    """Mark ``parser`` as taking ``--SET LABEL`` options for the label sets of ``what``
    (the run's model declares them; :func:`take_labels` reads them before argparse)."""
    parser.set_defaults(_takes_labels=True)
    parser.epilog = (parser.epilog or "") + "\n\n" + "\n".join(textwrap.wrap(LABELS_HELP, 100))


def take_labels(parser, argv):
    """Split ``--SET LABEL`` (or ``--SET=LABEL``) options that are not the subcommand's own
    out of ``argv``: ``(argv without them, {SET: LABEL})``.  Label sets are the run's model's,
    so argparse cannot know them; which subcommands take them is checked after parsing."""
    import re
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if sub is None:
        return argv, {}
    k = next((i for i, a in enumerate(argv) if a in sub.choices), None)
    if k is None:
        return argv, {}
    known = set(sub.choices[argv[k]]._option_string_actions) | set(parser._option_string_actions)
    rest, labels, i = list(argv[:k + 1]), {}, k + 1
    while i < len(argv):
        a = argv[i]
        name = a[2:].partition("=")[0]
        if a.startswith("--") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name or "-") and a.split("=")[0] not in known:
            if "=" in a:
                labels[name] = a.partition("=")[2]
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                labels[name] = argv[i + 1]
                i += 1
            else:
                parser.error(f"{a} needs a label: {a} LABEL")
            i += 1
            continue
        rest.append(a)
        i += 1
    return rest, labels


def add_layout_options(parser):
    parser.add_argument("--title", help="replace the chart's title (default: the output's name)")
    parser.add_argument("--subtitle", help="replace the grey line under the title (default: run title and bands)")
    parser.add_argument("--size", type=size_inches, metavar="WxH",
                        help="figure size in inches, e.g. 10x5.6 for a slide (default: 6.4x4, one column)")
    parser.add_argument("--dpi", type=dpi_value, help="PNG resolution in dots per inch (default: 200)")
    parser.add_argument("--no-footnote", action="store_true",
                        help="leave out the sources and provenance lines (default: shown)")
    parser.add_argument("--format", default="png",
                        help="png, svg, pdf, or several joined by commas (default: png); a CSV of the numbers "
                             "drawn is always written beside the chart")
