"""Electronic supervision (电子监察): deadline warnings, the periodic job, statistics, dashboards."""
