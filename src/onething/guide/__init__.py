"""The one-time guide (一次告知): a pure engine over the catalog, and its service and routes."""
