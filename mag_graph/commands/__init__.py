"""Click commands of the ``mag-graph`` CLI, one module per area.

Each module exposes ``COMMANDS``: a list of click commands (or groups) that
``mag_graph.cli`` attaches to the main group. The commands only translate arguments
into calls of the core (store, validation, questions, linking) and print the outcome.

May import: every core package and the web layer (``serve`` builds the Flask app); nothing
imports the commands but :mod:`mag_graph.cli`.
"""
