"""iosflex: a Cisco IOS FlexVPN server emulator."""

__version__ = "0.1.0"
