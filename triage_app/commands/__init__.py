"""The `triage` subcommands, one module per area; each exposes ``register(subparsers)``.

A handler is ``def run(args, ctx) -> int`` set with ``parser.set_defaults(handler=run)``;
``ctx`` is a :class:`triage_app.commands.context.CommandContext` that opens the store lazily."""
