"""The web application: API routers from each domain, and the pages people use."""
