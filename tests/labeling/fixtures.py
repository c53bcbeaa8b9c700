"""Test content for the labeling site, from :mod:`a2i.labeling.demo` (synthesized songs and pictures)."""

from a2i.labeling.demo import demo_study as build_study
from a2i.labeling.demo import fake_generate_output

__all__ = ["build_study", "fake_generate_output"]
