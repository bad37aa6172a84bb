"""门户: the web application of the history database (and the home for the coming services)."""
