"""inspect_ai's entry point (`[project.entry-points.inspect_ai]`): the tasks it registers."""

from multiplex.harness.inspect_tasks import argkp, perspectrum, worldview_bench

__all__ = ["argkp", "perspectrum", "worldview_bench"]
