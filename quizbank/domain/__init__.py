"""The pure core: grading, assembly, certification rules, item statistics.

Nothing here imports Flask, SQLAlchemy or the models; `now` and `rng` arrive as arguments.
"""
