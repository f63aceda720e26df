"""One cog per feature: asking, headlines, administration."""
