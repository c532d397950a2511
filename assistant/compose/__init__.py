"""Drafting: 文种 templates → per-section retrieval by role → an Outline with sources and alternatives."""

from assistant.compose.composer import compose, display_name, make_title
from assistant.compose.slots import fill_slots, unmarked_digits
from assistant.compose.templates import (Part, SectionSpec, Template, TemplateError, check_templates,
                                         find_template, load_templates)

__all__ = ["Part", "SectionSpec", "Template", "TemplateError", "check_templates", "compose", "display_name",
           "fill_slots", "find_template", "load_templates", "make_title", "unmarked_digits"]
