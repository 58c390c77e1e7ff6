"""Settings package: `base` is what runs everywhere, `test` adds what the test suite needs."""
