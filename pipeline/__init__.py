"""absensi-medsos: audited reports of TPP social-media attendance (see docs/architecture.md)."""

__version__ = "0.1.0"
