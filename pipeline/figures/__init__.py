"""Every figure, computed once: resolved frames in, named tables out (and the history store they reuse)."""
