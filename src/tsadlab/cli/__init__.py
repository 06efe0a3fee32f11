"""The `tsadlab-*` commands: thin layers over the library, and what they share (`common`)."""
