"""The Kittiwake engine: asyncio, no Qt. Importable as kittiwake.client."""

__version__ = "0.1.0"
