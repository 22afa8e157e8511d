"""Running jobs: arguments, the run in progress, run history, Spark sessions, job modules, the
launcher that executes a job, spark-submit commands, and ``launch()``, which picks between them.

The package holds no imports of its own: ``arguments``, ``active`` and ``history`` sit low (the
context and the crawler consult them), ``launch`` sits at the top, so importing one of them must
not drag in the others.
"""
