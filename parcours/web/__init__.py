"""The HTTP layer: thin Starlette routes reading the current snapshot."""
