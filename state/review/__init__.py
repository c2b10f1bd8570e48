"""The post-incident review: facts from a journal, metrics, sections and the template."""
