"""Weekly summaries: SQL figures, rendering (HTML, e-mail, CSV, SVG) and the Monday send."""
