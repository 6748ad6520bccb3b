"""Ready-made integrations of upcross with shop frameworks (``upcross.contrib.oscar``)."""
