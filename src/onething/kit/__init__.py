"""Infrastructure shared by every domain; knows nothing of the domain."""
