"""``dieroll describe``: its options and what it does."""
from __future__ import annotations

from ._common import add_command

NAME = "describe"


def add_parser(sub):
    """Add the ``describe`` command to the subparsers ``sub``."""
    d = add_command(sub, "describe", "list every quantity the model reads and every output",
             "The model's inputs (name, units, channel, scalar or path, allowed values) and outputs with their "
             "label dimensions; --markdown writes every equation with its units and source, --graph draws the "
             "stock-and-flow diagram.",
             ["dieroll describe", "dieroll describe smuggling-cases --markdown", "dieroll describe my-model.toml",
              "dieroll describe china --graph china.svg"])
    d.add_argument("model", nargs="?", help="a packaged model's name or a model file (default: china, the packaged "
                   "China model)")
    d.add_argument("--markdown", action="store_true", help="every equation with units and sources, as Markdown (default: the table of inputs and outputs)")
    d.add_argument("--graph", metavar="FILE", help="write the stock-and-flow diagram to FILE (.svg or .png, drawn "
                   "by Graphviz's dot; .dot for the DOT text; default: no diagram)")
    d.set_defaults(func=handle)


def handle(args) -> int:
    from ..modelfile import DEFAULT_MODEL, check_file, describe_markdown
    spec = check_file(args.model or DEFAULT_MODEL)
    if args.graph:
        from ..modelfile import write_diagram
        write_diagram(spec, args.graph)
        print(f"wrote {args.graph}: the stock-and-flow diagram of {spec.name}")
        return 0
    if args.markdown:
        print(describe_markdown(spec))
        return 0
    model_name, where = spec.name, f"model file {spec.files[0]} (sha256 {spec.sha256[:12]})"
    inputs, outputs = spec.inputs, _file_outputs(spec)
    from ..modelfile import packaged_models
    print(f"Model {model_name}: {where}; packaged model files: "
          + ", ".join(f"{n} ({p})" for n, p in packaged_models().items()))
    print("\nInputs (declare each in a priors file)\n")
    print(f"  {'name':26} {'units':14} {'channel':16} {'kind':6} meaning")
    for i in inputs.values():
        print(f"  {i.name:26} {i.units:14} {i.channel:16} {'path' if i.path else 'scalar':6} {i.description} "
              f"[{i.allowed()}]")
    print("\nOutputs (per draw and month)\n")
    for o in outputs:
        dims = ", ".join(f"{d}: {'/'.join(lbl)}" for d, lbl in o.dims)
        print(f"  {o.name:18} {o.units:14} {o.long_name}" + (f"  [{dims}]" if dims else ""))
    return 0


def _file_outputs(spec):
    from ..modelfile import build_outputs
    return build_outputs(spec)
