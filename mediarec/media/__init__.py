"""Decoding: PyAV behind one error boundary; audio to mono float32 at the rates extractors ask for; video frames."""
