"""Thaw's web application: persistence, services, forms, views and commands."""
